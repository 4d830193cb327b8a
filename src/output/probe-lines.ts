/**
 * The probe in a terminal: the live line shown while it runs (on a TTY only), and the one-line
 * timeline in a failover run's summary, a strip of marks, each the state of writes over one bucket
 * of time, with the writer change marked.
 */
import type { ChalkInstance } from 'chalk';
import type { ProbeProgress, ProbeTimelineData } from '../sql/probe-progress.js';

const OK = '▁';
const FAILED = '█';
const MIXED = '▄';
const CHANGE = '┃';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "probe failover: 212 writes ok, 4 failed · writer al-x-1 · writes failing for 0.4 s" */
export function probeProgressLine(p: ProbeProgress & { probe: string }, c: ChalkInstance): string {
  const parts = [`${p.writesOk} writes ok, ${p.writesFailed > 0 ? c.red(`${p.writesFailed} failed`) : '0 failed'}`];
  parts.push(p.writer ? `writer ${p.writer}` : 'no writer yet');
  if (p.outageMs !== undefined) parts.push(c.red(`writes failing for ${seconds(p.outageMs)}`));
  return `${c.cyan(`probe ${p.probe}:`)} ${parts.join(' · ')}`;
}

const BUCKET_STEPS_MS = [100, 200, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000];

export interface StripOptions {
  /** Most marks on the line (the bucket grows from 100 ms until the span fits). */
  maxMarks?: number;
  /** Time shown before the first outage or writer change, and after the last. */
  marginMs?: number;
}

/** The span drawn, the bucket size, and one state per bucket. Pure, for the strip and its tests. */
export function stripBuckets(d: ProbeTimelineData, opts: StripOptions = {}) {
  const maxMarks = opts.maxMarks ?? 60;
  const margin = opts.marginMs ?? 2000;
  const begin = d.firstAckAt ?? 0;
  const end = Math.max(begin, d.durationMs);
  const outages = [...d.writeWindows.map((w) => ({ from: w.from, to: w.to })), ...(d.openFrom !== undefined ? [{ from: d.openFrom, to: end }] : [])];
  const marks = [...outages.flatMap((o) => [o.from, o.to]), ...d.writerChanges.map((w) => w.at)];
  let from = begin;
  let to = end;
  if (marks.length > 0) {
    from = Math.max(begin, Math.min(...marks) - margin);
    to = Math.min(end, Math.max(...marks) + margin);
  }
  const span = Math.max(to - from, 1);
  const bucketMs = BUCKET_STEPS_MS.find((b) => span / b <= maxMarks) ?? Math.ceil(span / maxMarks);
  const count = Math.max(1, Math.ceil(span / bucketMs));
  const states: Array<'ok' | 'failed' | 'mixed'> = [];
  for (let i = 0; i < count; i++) {
    const b0 = from + i * bucketMs;
    const b1 = Math.min(b0 + bucketMs, to);
    const len = Math.max(b1 - b0, 1e-9);
    const failing = outages.reduce((sum, o) => sum + Math.max(0, Math.min(o.to, b1) - Math.max(o.from, b0)), 0);
    states.push(failing >= len - 1e-6 ? 'failed' : failing > 0 ? 'mixed' : 'ok');
  }
  const changes = d.writerChanges
    .filter((w) => w.at >= from && w.at <= to)
    .map((w) => ({ ...w, index: Math.min(count - 1, Math.floor((w.at - from) / bucketMs)) }));
  return { from, to, bucketMs, states, changes };
}

/** "probe failover ▁▁▁▁██▄┃▁▁▁ 8.1-12.3 s, 100 ms a mark: ▁ ok █ failing ┃ writer a → b" */
export function probeStripLine(d: ProbeTimelineData, c: ChalkInstance, opts: StripOptions = {}): string {
  const { from, to, bucketMs, states, changes } = stripBuckets(d, opts);
  const cells = states.map((s) => (s === 'ok' ? c.green(OK) : s === 'failed' ? c.red(FAILED) : c.yellow(MIXED)));
  for (const ch of [...changes].reverse()) cells.splice(ch.index, 0, c.cyan(CHANGE));
  const legend = [`${OK} writes ok`, `${FAILED} failing`];
  if (states.includes('mixed')) legend.push(`${MIXED} partly`);
  for (const ch of changes) legend.push(`${CHANGE} writer ${ch.from} → ${ch.to}`);
  if (d.openFrom !== undefined) legend.push('still failing at stop');
  return `probe ${d.probe} ${cells.join('')}  ${(from / 1000).toFixed(1)}-${seconds(to)}, ${bucketMs} ms a mark: ${legend.join(', ')}`;
}
