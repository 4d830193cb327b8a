/**
 * Which charts a lab's report draws, from what its run recorded: the measured series in state
 * (`series`), the steps' times, and the measurements. Nothing here invents a figure: a chart whose
 * data was not recorded becomes a "not measured" note.
 */
import { barChart } from './bar-chart.js';
import { DRY_RUN_REASON, epoch, type ChartBlock } from './chart-block.js';
import { formatDuration, formatNumber } from './format.js';
import { lineChart, type LineSeries } from './line-chart.js';
import { monitoringCharts } from './monitoring-charts.js';
import { pitrCharts } from './pitr-charts.js';
import { probeCharts } from './probe-charts.js';
import type { ReportInput } from './report-data.js';
import { spanChart, type Span } from './span-chart.js';

export function labCharts(input: ReportInput): ChartBlock[] {
  const blocks: ChartBlock[] = [];
  const hasProbe = input.lab.steps.some((s) => s.kind === 'probe-start');
  if (hasProbe) blocks.push(...probeCharts(input));
  switch (input.lab.name) {
    case 'cluster-launch':
      blocks.push(perItemBars(input, 'replicaLagMs', 'Replica lag per reader: how long a row written on the writer took to appear', 'replica lag (ms)'));
      break;
    case 'global-database':
      blocks.push(globalLag(input));
      break;
    case 'serverless-v2':
      blocks.push(capacity(input));
      break;
    case 'performance-insights':
      blocks.push(loadByStatement(input), indexBeforeAfter(input));
      break;
    case 'monitoring':
      blocks.push(...monitoringCharts(input));
      break;
    case 'point-in-time-recovery':
      blocks.push(...pitrCharts(input));
      break;
    case 'snapshot-migration':
      blocks.push(rowsAndChecksums(input));
      break;
  }
  blocks.push(runTimeline(input));
  return blocks;
}

function series(input: ReportInput, name: string): unknown[] | undefined {
  return input.state.series?.[name]?.values;
}

const runStart = (input: ReportInput) => Date.parse(input.state.createdAt);

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

function globalLag(input: ReportInput): ChartBlock {
  const title = 'Replication lag across regions';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const lag = input.state.measurements['globalLagMs'];
  const region = input.state.measurements['secondaryRegion'];
  if (typeof lag !== 'number') return { title, notMeasured: 'not measured: the run stopped before a row was read in the secondary region.' };
  const note = input.state.target === 'local' ? 'ms (loopback streaming locally, not a cross-region network)' : 'ms';
  return {
    title,
    svg: barChart({ id: 'globalLagMs', xLabel: 'lag (ms)', bars: [{ label: `${input.state.region} → ${String(region ?? 'secondary')}`, value: lag, note }] }),
    caption: 'The time from a write in the primary region until a read in the secondary region returned it. The switchover is on the run timeline below.',
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

function loadByStatement(input: ReportInput): ChartBlock {
  const title = 'Database load (db.load.avg) by statement, from Performance Insights';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const t0 = runStart(input);
  const top = input.state.measurements['topStatement'];
  const lines: LineSeries[] = [];
  for (const v of series(input, 'loadByStatement') ?? []) {
    const s = v as { statement?: unknown; points?: { t?: unknown; v?: unknown }[] };
    const points = (s.points ?? []).map((p) => ({ t: (epoch(p.t) ?? NaN) - t0, v: Number(p.v) })).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v));
    const name = String(s.statement ?? '?');
    lines.push({ name: name.length > 70 ? `${name.slice(0, 69)}…` : name, points, highlight: name === top });
  }
  if (lines.every((l) => l.points.length === 0)) return { title, notMeasured: 'not measured: Performance Insights returned no db.load datapoints by statement for this run.' };
  const times = lines.flatMap((l) => l.points.map((p) => p.t));
  return {
    title,
    svg: lineChart({ id: 'loadByStatement', series: lines, yLabel: 'db.load (average active sessions)', bands: [...stepBand(input, 'workload', 'workload'), ...stepBand(input, 'workload-after', 'workload with the index')], domain: [Math.min(...times), Math.max(...times)] }),
    caption: `One line per tokenized statement (GetResourceMetrics, db.load.avg grouped by db.sql_tokenized). The thick line is the top statement by load${typeof top === 'string' ? `: ${top}` : ''}.`,
  };
}

/** The top statement's db.load.avg over the first workload and, with the index, over the second. */
function indexBeforeAfter(input: ReportInput): ChartBlock {
  const title = "The scanning statement's load (db.load.avg) without and with the index";
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const before = input.state.measurements['scanLoadBefore'];
  const after = input.state.measurements['scanLoadAfter'];
  if (typeof before !== 'number' || typeof after !== 'number') return { title, notMeasured: 'not measured: the run did not measure the statement\'s load both before and after the index.' };
  return {
    title,
    svg: barChart({ id: 'scanLoad', xLabel: 'db.load.avg (average active sessions)', bars: [{ label: 'without the index', value: before, note: 'AAS' }, { label: 'with the index', value: after, note: 'AAS' }] }),
    caption: `DescribeDimensionKeys for the same db.sql_tokenized id over each workload's window: ${formatNumber(before)} average active sessions without the index, ${formatNumber(after)} with it${after > 0 ? ` (${formatNumber(before / after)} times less)` : ''}.`,
  };
}

function rowsAndChecksums(input: ReportInput): ChartBlock {
  const title = 'Rows and checksums: the RDS source and the Aurora cluster side by side';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const sides = (series(input, 'rowsAndChecksums') ?? []) as { side?: unknown; rows?: unknown; checksum?: unknown }[];
  const bars = sides.filter((s) => typeof s.rows === 'number').map((s) => ({ label: String(s.side), value: s.rows as number, note: 'rows' }));
  if (bars.length === 0) return { title, notMeasured: 'not measured: the run did not count the rows on both sides.' };
  const sums = sides.map((s) => String(s.checksum ?? 'not measured'));
  const equal = sums.length === 2 && sums[0] === sums[1];
  return {
    title,
    svg: barChart({ id: 'rowsAndChecksums', xLabel: 'rows', bars }),
    caption: `Checksums: ${sides.map((s) => `${String(s.side)} ${String(s.checksum ?? 'not measured')}`).join(' · ')} (${equal ? 'equal: every row arrived unchanged' : 'they differ'}).`,
  };
}

function stepBand(input: ReportInput, stepId: string, label: string) {
  const rec = input.state.steps[stepId];
  if (!rec?.endedAt || rec.status !== 'done') return [];
  const t0 = runStart(input);
  return [{ from: Date.parse(rec.startedAt) - t0, to: Date.parse(rec.endedAt) - t0, label }];
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
    spans.push({ label: step.title, from: Date.parse(rec.startedAt) - t0, to: Date.parse(rec.endedAt) - t0, status: rec.status });
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
