/**
 * The failover lab's charts: the probe's whole timeline, and the same zoomed on the failover, with the
 * outage windows the probe measured, the FailoverDBCluster call and the writer change marked.
 */
import type { OpEvent } from '../sql/timeline.js';
import { DRY_RUN_REASON, type ChartBlock } from './chart-block.js';
import { formatDuration } from './format.js';
import type { ReportInput } from './report-data.js';
import { timelineChart, type TimelineMarker, type TimelineWindow } from './timeline-chart.js';

export function probeCharts(input: ReportInput): ChartBlock[] {
  const title = 'What the probe saw: every write and read during the failover';
  if (input.state.target === 'dry-run') return [{ title, notMeasured: DRY_RUN_REASON }];
  const probeNames = Object.keys(input.probes);
  if (probeNames.length === 0) return [{ title, notMeasured: 'not measured: no probe timeline was saved in the run directory (the run stopped before the probe did).' }];
  const blocks: ChartBlock[] = [];
  for (const name of probeNames) {
    const { report, timeline } = input.probes[name]!;
    const ops = timeline.events.filter((e): e is OpEvent => e.op === 'write' || e.op === 'read');
    const windows: TimelineWindow[] = [
      ...report.writeWindows.map((w) => ({ lane: 'write' as const, ...w })),
      ...report.readWindows.map((w) => ({ lane: 'read' as const, ...w })),
      ...openWindows(ops, report, timeline.durationMs),
    ];
    const markers = stepMarkers(input, timeline.startedAt);
    const instances = [...new Set([...report.writersSeen, ...report.readersSeen, ...ops.map((o) => o.instanceId).filter((x): x is string => !!x)])];
    const figures: [string, string][] = [
      ['write outage (longest window)', report.writeOutageOpen ? 'still open when the probe stopped (not measured)' : formatDuration(report.writeOutageMs)],
      ['read outage (longest window)', report.readOutageOpen ? 'still open when the probe stopped (not measured)' : formatDuration(report.readOutageMs)],
      ['writes acknowledged / failed / unknown', `${report.acknowledgedWrites} / ${report.failedWrites} / ${report.unknownWrites}`],
      ['reconnects', String(report.reconnects)],
      ['writers seen', report.writersSeen.join(' → ') || 'none'],
      ['probe resolution', report.resolutionMs === null ? 'not measured' : formatDuration(report.resolutionMs)],
    ];
    const full = timelineChart({ id: `probe-${name}`, ops, windows, markers, instances, domain: [0, timeline.durationMs] });
    blocks.push({ title, svg: full, caption: report.definition, figures });
    const zoom = zoomDomain(report, markers, timeline.durationMs);
    if (zoom) {
      blocks.push({
        title: `The same timeline, zoomed on the failover (${formatDuration(zoom[1] - zoom[0])} around it)`,
        svg: timelineChart({ id: `probe-${name}-zoom`, ops, windows, markers, instances, domain: zoom }),
        caption: 'Points are the starts of attempts; an outage window runs from the last acknowledgement before the failures to the first one after them.',
      });
    }
  }
  return blocks;
}

/** A trailing run of failures with no acknowledgement after it: drawn to the end of the probe, as open. */
function openWindows(ops: OpEvent[], report: { writeOutageOpen: boolean; readOutageOpen: boolean }, end: number): TimelineWindow[] {
  const out: TimelineWindow[] = [];
  for (const lane of ['write', 'read'] as const) {
    if (!(lane === 'write' ? report.writeOutageOpen : report.readOutageOpen)) continue;
    const mine = ops.filter((o) => o.op === lane).sort((a, b) => a.t - b.t);
    const lastOk = [...mine].reverse().find((o) => o.ok);
    const from = lastOk ? lastOk.t + lastOk.latencyMs : 0;
    out.push({ lane, from, to: end, durationMs: end - from, failures: mine.filter((o) => !o.ok && o.t >= from).length, open: true });
  }
  return out;
}

/**
 * Markers from the run's own records: every measured call of a step that fails something over
 * (its first call's time), and the moment a poll step measured from it (writer change).
 */
function stepMarkers(input: ReportInput, probeStartedAt: number): TimelineMarker[] {
  const markers: TimelineMarker[] = [];
  for (const step of input.lab.steps) {
    const rec = input.state.steps[step.id];
    if (!rec) continue;
    if (step.kind === 'aws' && /Failover|Switchover/.test(step.operation) && rec.calledAt !== undefined) {
      markers.push({ t: rec.calledAt - probeStartedAt, label: `${step.operation} called`, kind: 'call' });
    }
    if (step.kind === 'poll' && step.measure) {
      const from = input.state.steps[step.measure.from]?.calledAt;
      const ms = input.state.measurements[step.measure.name];
      if (from !== undefined && typeof ms === 'number') {
        const before = input.state.measurements['writerBefore'];
        const after = input.state.measurements['writerAfter'];
        const moved = typeof before === 'string' && typeof after === 'string' ? `: ${before} → ${after}` : '';
        markers.push({ t: from + ms - probeStartedAt, label: `writer changed${moved}`, kind: 'change' });
      }
    }
  }
  return markers;
}

function zoomDomain(report: { firstFailureAt?: number; recoveredAt?: number; writeWindows: { from: number; to: number }[] }, markers: TimelineMarker[], end: number): [number, number] | undefined {
  const points = [...markers.map((m) => m.t), ...(report.firstFailureAt !== undefined ? [report.firstFailureAt] : []), ...(report.recoveredAt !== undefined ? [report.recoveredAt] : []), ...report.writeWindows.flatMap((w) => [w.from, w.to])];
  if (points.length === 0) return undefined;
  const from = Math.max(0, Math.min(...points) - 600);
  const to = Math.min(end, Math.max(...points) + 600);
  return to - from < end * 0.8 ? [from, to] : undefined;
}
