/**
 * Which charts a lab's report draws, from what its run recorded: the measured series in state
 * (`series`), the steps' times, and the measurements. Nothing here invents a figure: a chart whose
 * data was not recorded becomes a "not measured" note. The labs with several charts have a file each
 * (pitr-, monitoring-, global-, pi-charts.ts); the run timeline, drawn for every lab, is here.
 */
import { barChart } from './bar-chart.js';
import { DRY_RUN_REASON, epoch, type ChartBlock } from './chart-block.js';
import { formatDuration, formatNumber } from './format.js';
import { lineChart } from './line-chart.js';
import { globalCharts } from './global-charts.js';
import { monitoringCharts } from './monitoring-charts.js';
import { piCharts } from './pi-charts.js';
import { pitrCharts } from './pitr-charts.js';
import { probeCharts } from './probe-charts.js';
import type { ReportInput } from './report-data.js';
import { num, runStart, series, stepBand } from './run-record.js';
import { spanChart, type Span } from './span-chart.js';

export function labCharts(input: ReportInput): ChartBlock[] {
  const blocks: ChartBlock[] = [];
  const hasProbe = input.lab.steps.some((s) => s.kind === 'probe-start');
  // The global database's two probes are drawn together, on the failover's own axis (global-charts.ts).
  if (hasProbe && input.lab.name !== 'global-database') blocks.push(...probeCharts(input));
  switch (input.lab.name) {
    case 'cluster-launch':
      blocks.push(perItemBars(input, 'replicaLagMs', 'Replica lag per reader: how long a row written on the writer took to appear', 'replica lag (ms)'));
      break;
    case 'global-database':
      blocks.push(...globalCharts(input));
      break;
    case 'serverless-v2':
      blocks.push(capacity(input));
      break;
    case 'performance-insights':
      blocks.push(...piCharts(input));
      break;
    case 'monitoring':
      blocks.push(...monitoringCharts(input));
      break;
    case 'point-in-time-recovery':
      blocks.push(...pitrCharts(input));
      break;
    case 'snapshot-migration':
      blocks.push(rowsAndChecksums(input), readerCapacity(input));
      break;
  }
  blocks.push(runTimeline(input));
  return blocks;
}

function perItemBars(input: ReportInput, name: string, title: string, xLabel: string): ChartBlock {
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const byItem = new Map<string, number>();
  for (const v of series(input, name) ?? []) {
    const p = v as { item?: unknown; value?: unknown };
    if (typeof p.value === 'number') byItem.set(String(p.item), p.value);
  }
  if (byItem.size === 0) return { title, notMeasured: `not measured: the run recorded no ${name} per item.` };
  return {
    title,
    svg: barChart({ id: name, xLabel, bars: [...byItem].map(([label, value]) => ({ label, value, note: 'ms' })) }),
    caption: 'Each bar is one reader: the time from the write on the writer until a query on that reader saw the row (polled every 10 ms).',
  };
}

function capacity(input: ReportInput): ChartBlock {
  const title = 'Serverless v2 capacity (ServerlessDatabaseCapacity) over the run';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const raw = series(input, 'capacity')?.[0] as { t?: unknown[]; v?: unknown[] } | undefined;
  const t0 = runStart(input);
  const points = (raw?.t ?? []).map((t, i) => ({ t: (epoch(t) ?? NaN) - t0, v: Number(raw?.v?.[i]) })).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  if (points.length === 0) return { title, notMeasured: 'not measured: CloudWatch returned no ServerlessDatabaseCapacity datapoints for this run.' };
  const bands = stepBand(input, 'load', 'load period (the load step)');
  const markers: { t: number; label: string; kind: string }[] = [];
  const peakAt = points.reduce((best, p) => (p.v > best.v ? p : best), points[0]!);
  const paused = points.find((p) => p.t > peakAt.t && p.v === 0);
  if (paused) markers.push({ t: paused.t, label: 'paused (0 ACU)', kind: 'change' });
  const resume = input.state.steps['resume'];
  if (resume?.status === 'done') markers.push({ t: Date.parse(resume.startedAt) - t0, label: 'connect: resume', kind: 'call' });
  const scaling = input.state.vars['scaling'] as { MinCapacity?: number; MaxCapacity?: number } | undefined;
  return {
    title,
    svg: lineChart({ id: 'capacity', series: [{ name: 'capacity (Maximum per period)', points, step: true }], yLabel: 'capacity (ACU)', bands, markers, yMax: typeof scaling?.MaxCapacity === 'number' ? scaling.MaxCapacity : undefined }),
    caption: `${points.length} CloudWatch datapoints (Maximum per period). Peak ${formatNumber(peakAt.v)} ACU at ${formatDuration(peakAt.t)} into the run${scaling ? `; range ${scaling.MinCapacity}-${scaling.MaxCapacity} ACU` : ''}.`,
  };
}

function rowsAndChecksums(input: ReportInput): ChartBlock {
  const title = 'Rows and checksums: the RDS source, the Aurora cluster and its Serverless v2 reader side by side';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const sides = (series(input, 'rowsAndChecksums') ?? []) as { side?: unknown; rows?: unknown; checksum?: unknown }[];
  const counted = sides.filter((s) => num(s.rows) !== undefined);
  const bars = counted.map((s) => ({ label: String(s.side), value: num(s.rows)!, note: 'rows' }));
  if (bars.length === 0) return { title, notMeasured: 'not measured: the run did not count the rows on any side.' };
  const sums = sides.map((s) => (typeof s.checksum === 'string' && s.checksum !== '' ? s.checksum : undefined));
  const missing = sides.filter((s, i) => sums[i] === undefined || num(s.rows) === undefined).map((s) => String(s.side));
  // Equal only when every side was checksummed and all agree: a side not measured proves nothing.
  const verdict = missing.length ? `not measured on ${missing.join(', ')}` : new Set(sums).size === 1 ? 'all equal: every row arrived unchanged' : 'they differ';
  return {
    title,
    svg: barChart({ id: 'rowsAndChecksums', xLabel: 'rows', bars }),
    caption: `Checksums: ${sides.map((s, i) => `${String(s.side)} ${sums[i] ?? 'not measured'}`).join(' · ')} (${verdict}). The reader shares the cluster's storage: its count is read through its own endpoint.`,
  };
}

/** The Serverless v2 reader's newest capacity figure inside the cluster's range, as read back. */
function readerCapacity(input: ReportInput): ChartBlock {
  const title = "The Serverless v2 reader's capacity (ServerlessDatabaseCapacity) inside the cluster's range";
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const acu = num(input.state.measurements['serverlessReaderCapacity']);
  if (acu === undefined) return { title, notMeasured: 'not measured: CloudWatch returned no ServerlessDatabaseCapacity datapoint for the reader during the run.' };
  const scaling = input.state.vars['scaling'] as { MinCapacity?: unknown; MaxCapacity?: unknown } | undefined;
  const min = num(scaling?.MinCapacity);
  const max = num(scaling?.MaxCapacity);
  const bars = [
    ...(min !== undefined ? [{ label: 'MinCapacity (the range)', value: min, note: 'ACU' }] : []),
    { label: 'reader, newest datapoint', value: acu, note: 'ACU' },
    ...(max !== undefined ? [{ label: 'MaxCapacity (the range)', value: max, note: 'ACU' }] : []),
  ];
  return {
    title,
    svg: barChart({ id: 'readerCapacity', xLabel: 'capacity (ACU)', bars }),
    caption: `GetMetricData, Maximum per 60 s, for the db.serverless instance (dimension DBInstanceIdentifier): ${formatNumber(acu)} ACU${min !== undefined && max !== undefined ? `, inside the cluster's ServerlessV2ScalingConfiguration of ${formatNumber(min)}-${formatNumber(max)} ACU as DescribeDBClusters reported it` : ''}. The provisioned writer has no such figure: its capacity is its instance class.`,
  };
}

/** Every step that ran, as a bar from start to end, with the lab's measured moments (writer change, switchover). */
function runTimeline(input: ReportInput): ChartBlock {
  const title = 'The run as a timeline: each step from start to end';
  if (input.state.target === 'dry-run') return { title, notMeasured: 'not drawn for a dry run: its steps take the time of simulated calls, not of AWS or a database.' };
  const t0 = runStart(input);
  const spans: Span[] = [];
  const markers: { t: number; label: string; kind: string }[] = [];
  for (const step of input.lab.steps) {
    const rec = input.state.steps[step.id];
    if (!rec || rec.status === 'skipped' || !rec.endedAt) continue;
    spans.push({ label: input.doc.steps.find((d) => d.id === step.id)?.title ?? step.title, from: Date.parse(rec.startedAt) - t0, to: Date.parse(rec.endedAt) - t0, status: rec.status });
    if (step.kind === 'aws' && /Failover|Switchover/.test(step.operation) && rec.calledAt !== undefined) markers.push({ t: rec.calledAt - t0, label: `${step.operation} called`, kind: 'call' });
    if (step.kind === 'poll' && step.measure) {
      const from = input.state.steps[step.measure.from]?.calledAt;
      const ms = input.state.measurements[step.measure.name];
      if (from !== undefined && typeof ms === 'number') markers.push({ t: from + ms - t0, label: `${step.measure.name} = ${formatDuration(ms)}`, kind: 'change' });
    }
  }
  if (spans.length === 0) return { title, notMeasured: 'not measured: no step finished.' };
  return { title, svg: spanChart({ id: 'run-timeline', spans, markers, xLabel: 'time since the run started (s)' }), caption: 'Bars are steps (red: failed). Markers: the calls that move a writer, and the moment a poll step measured the move.' };
}
