/**
 * The global-database lab's charts: the replication lag across regions (at setup and just before the
 * failover), the unplanned failover with AllowDataLoss as both probes saw it on one time axis (the
 * writes into the old primary region, the ones the new primary lacks, and the writes into the
 * secondary region refused until it was promoted), and the recovery point and time it measured. The
 * switchover stays on the run timeline.
 */
import type { OpEvent } from '../sql/timeline.js';
import { barChart } from './bar-chart.js';
import { DRY_RUN_REASON, type ChartBlock } from './chart-block.js';
import { formatDuration } from './format.js';
import { laneChart, type Lane, type LanePoint } from './lane-chart.js';
import type { ProbeFile, ReportInput } from './report-data.js';
import { num } from './run-record.js';

export function globalCharts(input: ReportInput): ChartBlock[] {
  return [globalLag(input), ...failoverTimeline(input), recoveryPoint(input), recoveryTime(input)];
}

/** Above this many writes in view a lane draws runs of writes as bars, not one dot each (a long AWS run). */
const RUNS_ABOVE = 800;

const m = (input: ReportInput, name: string) => num(input.state.measurements[name]);

function globalLag(input: ReportInput): ChartBlock {
  const title = 'Replication lag across regions';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const secondary = String(input.state.measurements['secondaryRegion'] ?? 'secondary');
  const note = input.state.target === 'local' ? 'ms (loopback locally, not a cross-region network)' : 'ms';
  const bars = [
    ...(m(input, 'globalLagMs') !== undefined ? [{ label: `${input.state.region} → ${secondary}, at setup`, value: m(input, 'globalLagMs')!, note }] : []),
    ...(m(input, 'lagBeforeFailoverMs') !== undefined ? [{ label: `${secondary} → ${input.state.region}, before failover`, value: m(input, 'lagBeforeFailoverMs')!, note }] : []),
  ];
  if (bars.length === 0) return { title, notMeasured: 'not measured: the run stopped before a row was read in the secondary region.' };
  return {
    title,
    svg: barChart({ id: 'globalLagMs', xLabel: 'lag (ms)', bars }),
    caption: 'The time from a write in the primary region until a read in the secondary region returned it: first before the switchover, then (the other way round, the switchover having swapped the roles) with the probes writing, just before the failover. The switchover is on the run timeline below.',
  };
}

/** Both probes around FailoverGlobalCluster: time 0 is the call. */
function failoverTimeline(input: ReportInput): ChartBlock[] {
  const title = 'The failover with AllowDataLoss: writes into both regions around FailoverGlobalCluster';
  if (input.state.target === 'dry-run') return [{ title, notMeasured: DRY_RUN_REASON }];
  const call = input.state.steps['failover-global']?.calledAt;
  const old = input.probes['oldPrimary'];
  const target = input.probes['target'];
  if (call === undefined) return [{ title, notMeasured: 'not measured: the run did not call FailoverGlobalCluster.' }];
  if (!old && !target) return [{ title, notMeasured: 'not measured: no probe timeline was saved in the run directory (the run stopped before the probes did).' }];
  const secondary = String(input.state.measurements['secondaryRegion'] ?? 'the other region');
  const lostCount = m(input, 'oldPrimaryLostWrites');
  const prefix = input.state.checks.find((c) => c.stepId === 'probe-old-primary-stop' && c.name.includes('consistent prefix'));
  // With a consistent prefix proved, the writes the new primary lacks are exactly the newest
  // acknowledged ones, as many as were counted missing; without that proof none is marked lost.
  const lostSeqs = new Set<number>();
  if (old && lostCount !== undefined && prefix?.passed) {
    const acked = writes(old).filter((e) => e.ok && e.seq !== undefined).sort((a, b) => a.seq! - b.seq!);
    for (const e of acked.slice(acked.length - lostCount)) lostSeqs.add(e.seq!);
  }
  const lanes: Lane[] = [];
  if (old) lanes.push({ label: `writes into ${secondary} (old primary)`, points: points(old, 'oldPrimary', call, (e) => (e.ok ? (lostSeqs.has(e.seq ?? -1) ? 'lost' : 'kept') : 'refused')) });
  if (target) lanes.push({ label: `writes into ${input.state.region} (promoted)`, points: points(target, 'target', call, (e) => (e.ok ? 'kept' : 'refused')) });
  const markers = [{ t: 0, label: 'FailoverGlobalCluster called', kind: 'call' }];
  const firstWrite = m(input, 'failoverWritesMs');
  if (firstWrite !== undefined) markers.push({ t: firstWrite, label: `first write taken in ${input.state.region}`, kind: 'change' });
  const promoted = m(input, 'globalFailoverMs');
  if (promoted !== undefined) markers.push({ t: promoted, label: 'DescribeGlobalClusters: primary moved', kind: 'change' });
  const legend = [
    { label: 'acknowledged, kept by the new primary', swatch: 'point kept' },
    { label: 'acknowledged, then lost', swatch: 'point lost' },
    { label: 'refused (error)', swatch: 'point refused' },
  ];
  const all = lanes.flatMap((l) => (l.points ?? []).map((p) => p.t));
  const full: [number, number] = [Math.min(...all, 0), Math.max(...all, 0)];
  const xLabel = 'time relative to the FailoverGlobalCluster call';
  const caption = `Each point is one probe write, every ${old?.timeline.intervalMs ?? target?.timeline.intervalMs ?? '?'} ms: acknowledged writes where the acknowledgement arrived, refused ones where they were sent (with more than ${RUNS_ABOVE} in view, each run of alike writes is one bar). ${lostSeqs.size ? `Red: the ${lostSeqs.size} acknowledged write${lostSeqs.size > 1 ? 's' : ''} the new primary lacks (the newest ones: the survivors are a consistent prefix, as the run checked).` : lostCount === 0 ? 'No acknowledged write was lost.' : 'Lost writes are not marked: the run did not prove the survivors a consistent prefix, so which ones are lost is not known here.'}`;
  const blocks: ChartBlock[] = [{ title, svg: laneChart({ id: 'global-failover', lanes, markers, domain: full, xLabel, legend, runsAbove: RUNS_ABOVE }), caption, figures: figures(input) }];
  const zoomEnd = Math.max(firstWrite ?? 0, promoted ?? 0) + 300;
  const zoom: [number, number] = [Math.max(full[0], -400), Math.min(full[1], zoomEnd)];
  if (zoom[1] - zoom[0] < (full[1] - full[0]) * 0.6) {
    blocks.push({ title: `The same, zoomed on the failover (${formatDuration(zoom[1] - zoom[0])})`, svg: laneChart({ id: 'global-failover-zoom', lanes, markers, domain: zoom, xLabel, legend, runsAbove: RUNS_ABOVE }), caption: 'Hover a point for its sequence number, the instance that answered and the error.' });
  }
  return blocks;
}

function writes(p: ProbeFile): OpEvent[] {
  return p.timeline.events.filter((e): e is OpEvent => e.op === 'write');
}

function points(p: ProbeFile, probe: string, call: number, cls: (e: OpEvent) => string): LanePoint[] {
  return writes(p).map((e) => {
    const c = cls(e);
    const at = p.timeline.startedAt + e.t + (e.ok ? e.latencyMs : 0) - call;
    const what = c === 'lost' ? `acknowledged by ${e.instanceId ?? '?'}, not in the new primary` : e.ok ? `acknowledged by ${e.instanceId ?? '?'}` : `refused: ${e.error ?? 'error'}`;
    return { t: at, cls: c, tip: `write ${e.seq ?? '?'} ${what}`, data: { seq: e.seq ?? -1, state: c, probe } };
  });
}

function figures(input: ReportInput): [string, string][] {
  const f = (name: string, ms = false) => {
    const v = input.state.measurements[name];
    return typeof v === 'number' ? (ms ? formatDuration(v) : String(v)) : 'not measured';
  };
  return [
    ['acknowledged writes lost / acknowledged (old primary)', `${f('oldPrimaryLostWrites')} / ${f('oldPrimaryAcknowledgedWrites')}`],
    ['span of the lost writes (oldPrimaryLostWritesWindowMs)', f('oldPrimaryLostWritesWindowMs', true)],
    ['replication lag just before (lagBeforeFailoverMs)', f('lagBeforeFailoverMs', true)],
    ['call to first write taken (failoverWritesMs)', f('failoverWritesMs', true)],
    ['writes refused in the secondary region (target probe)', writesRefused(input)],
  ];
}

function writesRefused(input: ReportInput): string {
  const t = input.probes['target'];
  return t ? String(writes(t).filter((e) => !e.ok).length) : 'not measured';
}

function recoveryPoint(input: ReportInput): ChartBlock {
  const title = 'Recovery point: the acknowledged writes lost against the replication lag just before';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const lost = m(input, 'oldPrimaryLostWritesWindowMs');
  const lag = m(input, 'lagBeforeFailoverMs');
  if (lost === undefined && lag === undefined) return { title, notMeasured: 'not measured: the run counted no lost writes and timed no lag before the failover.' };
  const bars = [
    ...(lag !== undefined ? [{ label: 'replication lag just before', value: lag, note: 'ms' }] : []),
    ...(lost !== undefined ? [{ label: 'span of the writes lost', value: lost, note: `ms (${f0(input, 'oldPrimaryLostWrites')} of ${f0(input, 'oldPrimaryAcknowledgedWrites')} acknowledged writes)` }] : []),
  ];
  return {
    title,
    svg: barChart({ id: 'global-recovery-point', xLabel: 'ms', bars }),
    caption: `The writes lost span from the acknowledgement of the newest write the new primary has to that of the newest it lacks. It follows the replication lag, plus what the old primary acknowledged until it was fenced.${lost === undefined ? ' The lost writes were not counted (not measured).' : ''}${lag === undefined ? ' The lag just before was not timed (not measured).' : ''}`,
  };
}

function recoveryTime(input: ReportInput): ChartBlock {
  const title = 'Recovery time: from FailoverGlobalCluster until the secondary takes writes, and after';
  if (input.state.target === 'dry-run') return { title, notMeasured: DRY_RUN_REASON };
  const rows: [string, string][] = [
    ['failoverWritesMs', `first write acknowledged in ${input.state.region}`],
    ['globalFailoverMs', 'DescribeGlobalClusters shows the new primary'],
    ['rejoinMs', 'old primary back as a synchronized secondary'],
  ];
  const bars = rows.filter(([n]) => m(input, n) !== undefined).map(([n, label]) => ({ label, value: m(input, n)!, note: 'ms' }));
  if (bars.length === 0) return { title, notMeasured: 'not measured: the run stopped before the failover completed.' };
  return {
    title,
    svg: barChart({ id: 'global-recovery-time', xLabel: 'ms after FailoverGlobalCluster was called', bars }),
    caption: `Each bar starts at the FailoverGlobalCluster call. A client writing to ${input.state.region} waits for the first; the API reports the second on its own polling (every 10 s on AWS), so the probe's first write is the closer figure.${bars.length < rows.length ? ' Missing bars were not measured.' : ''}`,
  };
}

const f0 = (input: ReportInput, name: string) => String(input.state.measurements[name] ?? '?');
