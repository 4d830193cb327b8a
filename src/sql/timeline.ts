import type { EngineFamily } from './types.js';

/**
 * One attempt of the probe. `t` is when the attempt started, in ms since the probe started; the
 * attempt was acknowledged (if ok) at `t + latencyMs`.
 *
 * A write is one of three outcomes: acknowledged (ok), failed (ok: false: it certainly did not
 * happen: connect failure, read-only error...), or unknown (ok: false, uncertain: true: it was sent
 * and no answer came, so it may or may not be in the table).
 *
 * `seq` of a write is its sequence number; `seq` of a read is the highest seq that read could see
 * (how far the server it reached has caught up). `error` is an engine code (SQLSTATE, MySQL errno or
 * one of SqlError's codes), never a message.
 */
export interface OpEvent {
  t: number;
  op: 'write' | 'read';
  ok: boolean;
  uncertain?: boolean;
  seq?: number;
  instanceId?: string;
  error?: string;
  latencyMs: number;
}

/** A new connection was made after an earlier one was dropped (the first connection is not counted). */
export interface ReconnectEvent {
  t: number;
  op: 'reconnect';
  target: 'write' | 'read';
}

export type TimelineEvent = OpEvent | ReconnectEvent;

export interface Timeline {
  runId: string;
  family: EngineFamily;
  table: string;
  intervalMs: number;
  /** Wall clock (epoch ms) when the probe started, for humans; `t` values are relative to it. */
  startedAt: number;
  durationMs: number;
  events: TimelineEvent[];
}

export interface OutageWindow {
  /** When the last acknowledgement before the failures came. */
  from: number;
  /** When the first acknowledgement after them came. */
  to: number;
  durationMs: number;
  failures: number;
}

/** An outage still going on when the probe stopped: it has a start and a length so far, no end. */
export interface OpenOutage {
  /** When the last acknowledgement before the failures came (0: nothing was ever acknowledged). */
  from: number;
  /** How long it had lasted when the probe stopped. */
  soFarMs: number;
  failures: number;
}

/** The writer changing, as the probe saw it: the first write acknowledged by another instance. */
export interface WriterChange {
  /** Acknowledgement time of that first write. */
  at: number;
  from: string;
  to: string;
}

export interface ProbeReport {
  /** How the outage figures are defined (it travels with the numbers into --json output). */
  definition: string;
  /** The longest outage; when the outage is still open at stop, at least its length so far. */
  writeOutageMs: number;
  readOutageMs: number;
  writeWindows: OutageWindow[];
  readWindows: OutageWindow[];
  /** True when the last write (or read) attempt failed: the outage had not ended when the probe stopped. */
  writeOutageOpen: boolean;
  readOutageOpen: boolean;
  /** The outage still open at stop, when there is one. */
  writeOpenWindow?: OpenOutage;
  readOpenWindow?: OpenOutage;
  writerChanges: WriterChange[];
  /** `t` of the first failed or unknown operation (write or read); absent when none failed. */
  firstFailureAt?: number;
  /**
   * When writes came back for good: the acknowledgement time of the first acknowledged write after
   * the last failed or unknown write. Absent when no write failed or they never came back.
   */
  recoveredAt?: number;
  reconnects: number;
  writeReconnects: number;
  readReconnects: number;
  acknowledgedWrites: number;
  failedWrites: number;
  unknownWrites: number;
  acknowledgedReads: number;
  failedReads: number;
  /** Distinct instances that acknowledged writes, in the order they first did. */
  writersSeen: string[];
  readersSeen: string[];
  /** The median time between the starts of consecutive write attempts (reads when there are no writes); null with fewer than two. */
  resolutionMs: number | null;
}

export const OUTAGE_DEFINITION =
  'writeOutageMs is the longest time between two consecutive acknowledged writes that have at least one ' +
  'failed or unknown write between them, measured from acknowledgement to acknowledgement ' +
  '(attempt start + latency); 0 when no write failed. readOutageMs is the same for reads. Failures ' +
  'before the first acknowledgement are start-up, not outage. Failures after the last acknowledgement are ' +
  'an outage still open when the probe stopped: writeOutageOpen is then true and writeOutageMs is at least ' +
  'its length so far (from the last acknowledgement, or the probe start, to the stop).';

function isOp(e: TimelineEvent, op: 'write' | 'read'): e is OpEvent {
  return e.op === op;
}

/** Outage windows for one kind of operation, by the definition above. */
export function outageWindows(ops: OpEvent[]): OutageWindow[] {
  const windows: OutageWindow[] = [];
  let lastAck: number | undefined;
  let failures = 0;
  for (const e of [...ops].sort((a, b) => a.t - b.t)) {
    if (e.ok) {
      const ackAt = e.t + e.latencyMs;
      if (lastAck !== undefined && failures > 0) {
        windows.push({ from: lastAck, to: ackAt, durationMs: ackAt - lastAck, failures });
      }
      lastAck = ackAt;
      failures = 0;
    } else {
      failures++;
    }
  }
  return windows;
}

/** The outage still going on at `stoppedAt`: the last attempt failed. */
export function openOutage(ops: OpEvent[], stoppedAt: number): OpenOutage | undefined {
  const sorted = [...ops].sort((a, b) => a.t - b.t);
  const last = sorted[sorted.length - 1];
  if (!last || last.ok) return undefined;
  let lastAckIdx = -1;
  for (let i = sorted.length - 1; i >= 0; i--) {
    if (sorted[i]!.ok) {
      lastAckIdx = i;
      break;
    }
  }
  const from = lastAckIdx >= 0 ? sorted[lastAckIdx]!.t + sorted[lastAckIdx]!.latencyMs : 0;
  const end = Math.max(stoppedAt, last.t + last.latencyMs);
  return { from, soFarMs: end - from, failures: sorted.length - 1 - lastAckIdx };
}

/** Each time an acknowledged write came from another instance than the acknowledged write before it. */
export function writerChanges(writes: OpEvent[]): WriterChange[] {
  const changes: WriterChange[] = [];
  let current: string | undefined;
  for (const e of [...writes].sort((a, b) => a.t - b.t)) {
    if (!e.ok || e.instanceId === undefined || e.instanceId === '') continue;
    if (current !== undefined && e.instanceId !== current) changes.push({ at: e.t + e.latencyMs, from: current, to: e.instanceId });
    current = e.instanceId;
  }
  return changes;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function distinctInOrder(values: Array<string | undefined>): string[] {
  const seen: string[] = [];
  for (const v of values) if (v !== undefined && v !== '' && !seen.includes(v)) seen.push(v);
  return seen;
}

function intervals(ops: OpEvent[]): number[] {
  const ts = ops.map((e) => e.t).sort((a, b) => a - b);
  return ts.slice(1).map((t, i) => t - ts[i]!);
}

/** Pure: the measurements a failover lab reports, from a recorded timeline. */
export function analyzeTimeline(tl: Timeline): ProbeReport {
  const writes = tl.events.filter((e): e is OpEvent => isOp(e, 'write')).sort((a, b) => a.t - b.t);
  const reads = tl.events.filter((e): e is OpEvent => isOp(e, 'read')).sort((a, b) => a.t - b.t);
  const reconnects = tl.events.filter((e): e is ReconnectEvent => e.op === 'reconnect');
  const writeWindows = outageWindows(writes);
  const readWindows = outageWindows(reads);
  const writeOpen = openOutage(writes, tl.durationMs);
  const readOpen = openOutage(reads, tl.durationMs);
  const longest = (ws: OutageWindow[], open?: OpenOutage): number => ws.reduce((m, w) => Math.max(m, w.durationMs), open?.soFarMs ?? 0);

  const failedOps = [...writes, ...reads].filter((e) => !e.ok);
  const firstFailureAt = failedOps.length > 0 ? Math.min(...failedOps.map((e) => e.t)) : undefined;
  let recoveredAt: number | undefined;
  const lastFailedWrite = writes.reduce<number>((idx, e, i) => (e.ok ? idx : i), -1);
  if (lastFailedWrite >= 0) {
    const back = writes.slice(lastFailedWrite + 1).find((e) => e.ok);
    if (back) recoveredAt = back.t + back.latencyMs;
  }

  const ackedWrites = writes.filter((e) => e.ok);
  const ackedReads = reads.filter((e) => e.ok);
  const writeIntervals = intervals(writes);
  return {
    definition: OUTAGE_DEFINITION,
    writeOutageMs: longest(writeWindows, writeOpen),
    readOutageMs: longest(readWindows, readOpen),
    writeWindows,
    readWindows,
    writeOutageOpen: writeOpen !== undefined,
    readOutageOpen: readOpen !== undefined,
    ...(writeOpen ? { writeOpenWindow: writeOpen } : {}),
    ...(readOpen ? { readOpenWindow: readOpen } : {}),
    writerChanges: writerChanges(writes),
    ...(firstFailureAt !== undefined ? { firstFailureAt } : {}),
    ...(recoveredAt !== undefined ? { recoveredAt } : {}),
    reconnects: reconnects.length,
    writeReconnects: reconnects.filter((e) => e.target === 'write').length,
    readReconnects: reconnects.filter((e) => e.target === 'read').length,
    acknowledgedWrites: ackedWrites.length,
    failedWrites: writes.filter((e) => !e.ok && !e.uncertain).length,
    unknownWrites: writes.filter((e) => !e.ok && e.uncertain).length,
    acknowledgedReads: ackedReads.length,
    failedReads: reads.length - ackedReads.length,
    writersSeen: distinctInOrder(ackedWrites.map((e) => e.instanceId)),
    readersSeen: distinctInOrder(ackedReads.map((e) => e.instanceId)),
    resolutionMs: median(writeIntervals.length > 0 ? writeIntervals : intervals(reads)),
  };
}

/** The seqs of acknowledged writes: the ones that must be in the table. */
export function acknowledgedSeqs(tl: Timeline): number[] {
  return tl.events
    .filter((e): e is OpEvent => e.op === 'write' && e.ok && e.seq !== undefined)
    .map((e) => e.seq!);
}
