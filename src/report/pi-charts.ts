/**
 * The performance-insights lab's charts: db.load by statement over both workloads, the scanning
 * statement's load without and with the index (DescribeDimensionKeys, by its db.sql_tokenized id),
 * and what the load waited on (db.wait_event) during the first workload.
 */
import { barChart } from './bar-chart.js';
import { DRY_RUN_REASON, epoch, type ChartBlock } from './chart-block.js';
import { formatNumber } from './format.js';
import { lineChart, type LineSeries } from './line-chart.js';
import type { ReportInput } from './report-data.js';
import { num, runStart, series, stepBand } from './run-record.js';

export function piCharts(input: ReportInput): ChartBlock[] {
  return [loadByStatement(input), indexBeforeAfter(input), waitEvents(input)];
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
    svg: lineChart({ id: 'loadByStatement', series: lines, yLabel: 'db.load (average active sessions)', bands: [...stepBand(input, 'workload', 'workload'), ...stepBand(input, 'workload-after', 'with the index')], domain: [Math.min(...times), Math.max(...times)] }),
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

/** db.load.avg per wait event over the first workload's window (DescribeDimensionKeys by db.wait_event). */
function waitEvents(input: ReportInput): ChartBlock {
  const title = 'What the load waited on during the first workload (db.wait_event)';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const waits = ((input.state.vars['waits'] ?? []) as { wait?: unknown; type?: unknown; load?: unknown }[])
    .map((w) => ({ label: String(w.wait ?? '?'), type: String(w.type ?? ''), value: num(w.load) }))
    .filter((w): w is { label: string; type: string; value: number } => w.value !== undefined);
  if (waits.length === 0) return { title, notMeasured: 'not measured: Performance Insights returned no db.load by wait event for the workload\'s window.' };
  const top = input.state.measurements['topWait'] ?? waits[0]!.label;
  return {
    title,
    svg: barChart({ id: 'waitEvents', xLabel: 'db.load.avg (average active sessions)', bars: waits.map((w) => ({ label: w.label, value: w.value, note: w.type && w.type !== w.label ? `AAS (${w.type})` : 'AAS' })) }),
    caption: `DescribeDimensionKeys grouped by db.wait_event over the first workload's window, largest first. The top wait event is ${String(top)}: ${/^CPU$/i.test(String(top)) ? 'the sessions were running on CPU (comparing row after row), not waiting for storage' : 'the sessions waited on it most'}. Either way the scan does work for rows it throws away.`,
  };
}
