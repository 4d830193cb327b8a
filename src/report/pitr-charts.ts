/**
 * The point-in-time-recovery lab's charts: the batches with their commit times, the restorable window
 * and the chosen moment (RestoreToTime) on one time axis, and what the restored cluster held against
 * what that moment should bring back. Every time is the run's record: the batches' commit times as the
 * server noted them, the window as DescribeDBClusters reported it, the steps' own start and end.
 */
import { barChart } from './bar-chart.js';
import { DRY_RUN_REASON, epoch, type ChartBlock } from './chart-block.js';
import { formatDuration, formatNumber } from './format.js';
import { laneChart, type Lane } from './lane-chart.js';
import type { ReportInput } from './report-data.js';
import { num, stepSpan } from './run-record.js';

interface Batch {
  batch: number;
  orders?: number;
  committedMs: number;
}

function batches(input: ReportInput): Batch[] {
  const out: Batch[] = [];
  // The series is recorded at the end of the run; a run that stopped earlier still has the ledger
  // the batches step captured.
  const ledger = input.state.series?.['batchCommits']?.values ?? (Array.isArray(input.state.vars['batchLedger']) ? (input.state.vars['batchLedger'] as unknown[]) : []);
  for (const v of ledger) {
    const b = v as { batch?: unknown; orders?: unknown; committed_ms?: unknown; committed_at?: unknown };
    const batch = num(b.batch);
    const committedMs = num(b.committed_ms) ?? epoch(b.committed_at);
    if (batch === undefined || committedMs === undefined) continue;
    out.push({ batch, committedMs, ...(num(b.orders) !== undefined ? { orders: num(b.orders) } : {}) });
  }
  return out.sort((a, b) => a.committedMs - b.committedMs);
}

export function pitrCharts(input: ReportInput): ChartBlock[] {
  return [...momentCharts(input), restoredContents(input)];
}

function momentCharts(input: ReportInput): ChartBlock[] {
  const title = 'The chosen moment: when each batch committed, the restorable window, and the mistake';
  if (input.state.target === 'dry-run') return [{ title, notMeasured: DRY_RUN_REASON }];
  const moment = epoch(input.state.vars['restoreTime']);
  const earliest = epoch(input.state.vars['earliestRestorable']);
  const list = batches(input);
  if (moment === undefined) return [{ title, notMeasured: 'not measured: the run did not read the restorable window (no LatestRestorableTime), so there is no moment to draw.' }];
  if (list.length === 0) return [{ title, notMeasured: 'not measured: the run recorded no batch commit times (batchCommits).' }];
  const rel = (ms: number) => ms - moment;
  const lanes: Lane[] = [];
  if (earliest !== undefined) {
    lanes.push({
      label: 'restorable window (as read)',
      segments: [{ from: rel(earliest), to: 0, cls: 'window', label: 'EarliestRestorableTime → LatestRestorableTime', tip: `restorable window: ${iso(earliest)} to ${iso(moment)} (${formatDuration(moment - earliest)})` }],
    });
  }
  lanes.push({
    label: 'batches committed',
    points: list.map((b) => ({
      t: rel(b.committedMs),
      cls: b.committedMs <= moment ? 'kept' : 'after',
      label: `batch ${b.batch}`,
      tip: `batch ${b.batch}${b.orders !== undefined ? ` (${b.orders} orders)` : ''} committed ${iso(b.committedMs)}, ${formatDuration(Math.abs(moment - b.committedMs))} ${b.committedMs <= moment ? 'before' : 'after'} the moment`,
      data: { batch: b.batch },
    })),
  });
  const mistake = stepSpan(input, 'the-mistake');
  if (mistake) lanes.push({ label: 'the mistake: DELETE, then batch 4', segments: [{ from: rel(mistake[0]), to: rel(mistake[1]), cls: 'mistake', tip: `DELETE without WHERE, then batch 4 written: ${formatDuration(mistake[1] - mistake[0])}`, data: { step: 'the-mistake' } }] });
  const restoreAt = input.state.steps['restore']?.calledAt;
  const restoreMs = num(input.state.measurements['restoreMs']);
  if (restoreAt !== undefined && restoreMs !== undefined) {
    lanes.push({ label: 'restore: call to available', segments: [{ from: rel(restoreAt), to: rel(restoreAt + restoreMs), cls: 'restore', label: formatDuration(restoreMs), tip: `RestoreDBClusterToPointInTime called ${iso(restoreAt)}; available ${formatDuration(restoreMs)} later`, data: { 'duration-ms': restoreMs } }] });
  }
  const marker = [{ t: 0, label: 'RestoreToTime (the moment)', kind: 'change' }];
  const legend = [
    { label: 'committed before the moment', swatch: 'point kept' },
    ...(list.some((b) => b.committedMs > moment) ? [{ label: 'committed after it', swatch: 'point after' }] : []),
    ...(mistake ? [{ label: 'the mistake', swatch: 'seg mistake', shape: 'box' as const }] : []),
  ];
  const times = [...lanes.flatMap((l) => [...(l.segments ?? []).flatMap((s) => [s.from, s.to]), ...(l.points ?? []).map((p) => p.t)]), 0];
  const full = pad([Math.min(...times), Math.max(...times)], 0.03);
  const kept = list.filter((b) => b.committedMs <= moment).length;
  const xLabel = 'time relative to the moment the restore asked for (RestoreToTime)';
  const blocks: ChartBlock[] = [{
    title,
    svg: laneChart({ id: 'pitr-moment', lanes, markers: marker, domain: full, xLabel, legend }),
    caption: `RestoreToTime was ${iso(moment)}, the end of the window DescribeDBClusters reported just before the mistake${earliest !== undefined ? ` (the window began ${formatDuration(moment - earliest)} earlier)` : ''}. ${kept} of ${list.length} recorded batches committed before it. Batch 4 was written during the mistake step; its own commit time was not recorded.`,
  }];
  // The batches, the moment and the mistake are close together next to a long window: zoom on them.
  const near = [...list.map((b) => rel(b.committedMs)), 0, ...(mistake ? [rel(mistake[0]), rel(mistake[1])] : [])];
  const zoom = pad([Math.min(...near), Math.max(...near)], 0.12);
  if (zoom[1] - zoom[0] < (full[1] - full[0]) * 0.3) {
    blocks.push({
      title: `The same, zoomed on the batches and the moment (${formatDuration(zoom[1] - zoom[0])})`,
      svg: laneChart({ id: 'pitr-moment-zoom', lanes, markers: marker, domain: zoom, xLabel, legend }),
      caption: `Hover a batch for its commit time. The newest batch the restore brought back committed ${fmtMaybe(input.state.measurements['momentToLastBatchMs'])} before the moment.`,
    });
  }
  return blocks;
}

function restoredContents(input: ReportInput): ChartBlock {
  const title = 'What came back: orders the moment should bring back, and what the restored cluster holds';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const v = input.state.vars;
  const expected = num(v['expectedOrders']);
  const restored = num(v['restoredOrders']);
  if (expected === undefined || restored === undefined) return { title, notMeasured: 'not measured: the run did not count the orders both at the moment and in the restored cluster.' };
  const bars = [
    { label: 'committed before the moment', value: expected, note: 'orders' },
    { label: 'in the restored cluster', value: restored, note: 'orders' },
  ];
  const late = num(v['lateOrders']);
  const restoredLate = num(v['restoredLateOrders']);
  if (late !== undefined) bars.push({ label: 'batch 4 on the original', value: late, note: 'orders' });
  if (restoredLate !== undefined) bars.push({ label: 'batch 4 restored', value: restoredLate, note: 'orders' });
  const sumsEqual = typeof v['restoredChecksum'] === 'string' && v['restoredChecksum'] === v['expectedChecksum'];
  const figures: [string, string][] = [
    ['batches restored / committed before the moment', `${fmt(v['restoredBatches'])} / ${fmt(v['expectedBatches'])}${num(v['restoredLastBatch']) !== undefined ? ` (last: batch ${v['restoredLastBatch']})` : ''}`],
    ['orders restored / expected', `${formatNumber(restored, 0)} / ${formatNumber(expected, 0)}`],
    ['checksum restored / expected', v['restoredChecksum'] === undefined ? 'not measured' : `${String(v['restoredChecksum'])} / ${String(v['expectedChecksum'] ?? 'not measured')} (${sumsEqual ? 'equal' : 'they differ'})`],
    ['restore, call to available (restoreMs)', fmtMaybe(input.state.measurements['restoreMs'])],
  ];
  return {
    title,
    svg: barChart({ id: 'pitr-restored', xLabel: 'orders', bars }),
    figures,
    caption: 'Expected: counted on the original at the moment, before the mistake deleted them. Restored: counted on the new cluster. Batch 4 came after the moment, so a correct restore holds none of it.',
  };
}

function pad([a, b]: [number, number], share: number): [number, number] {
  const p = Math.max((b - a) * share, 5);
  return [a - p, b + p];
}

const iso = (ms: number) => new Date(ms).toISOString();
const fmt = (v: unknown) => (v === undefined || v === null ? 'not measured' : String(v));
const fmtMaybe = (v: unknown) => (typeof v === 'number' ? formatDuration(v) : 'not measured');
