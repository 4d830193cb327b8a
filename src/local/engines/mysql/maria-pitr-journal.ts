/**
 * When each MariaDB transaction committed, to the millisecond, for point-in-time recovery.
 *
 * MariaDB 10.11's binlog does not say: with binlog_format=ROW an event header carries whole seconds,
 * and a query event carries microseconds (SET TIMESTAMP=s.uuuuuu) only when its statement read the
 * time with a fraction (NOW(3)); a transaction's GTID and Xid events have whole seconds only, and those
 * of the statement that began the commit, not of the commit. Restoring to a moment by header times
 * would be a second wide: the lab's mistake, a few ms after its moment, would come back.
 *
 * So the local plane watches: every few milliseconds (POLL_MS) it stats the binlog file of each
 * MariaDB cluster's writer and parses what was appended. A group first seen complete in poll k was written
 * after poll k-1 began and before poll k's read ended: a sighting { after, by }. The binlog write is the
 * commit point (MariaDB's binlog coordinates the commit; a client is answered after it), and the
 * binlog order is the commit order, so:
 *   - a transaction with by <= T committed by T, and so did every one before it in the binlog;
 *   - a transaction with after >= T, or whose header second is past T, committed after T, and so did
 *     every one after it.
 * chooseStop turns that into the prefix of the binlog to replay. Only a transaction written in the
 * poll interval that holds T itself (POLL_MS, more when the event loop is busy) stays undecided: it is
 * replayed, and the restore warns how many there were (local.pitr.undecided). Transactions never
 * sighted (written before the watch began, by a new writer before its first poll, or while the local
 * server was not running) take their bounds from their neighbours, and their header seconds.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { binlogFiles, parseEvents, readFrom, type BinlogTxn, type GroupState } from './maria-pitr-binlog.js';

export interface Sighting {
  /** ms: the transaction was not yet in the binlog when a poll began at this time. */
  after: number;
  /** ms: it was, when a poll ended at this time. */
  by: number;
}

interface Cursor {
  dataDir?: string;
  file?: string;
  /** The file, open: fstat is the cheapest look there is. */
  fd?: number;
  /** Polls until the index is read again for a newer file. */
  indexIn: number;
  /** A Rotate or Stop event was read: the index is read at every poll until the next file shows. */
  ended: boolean;
  offset: number;
  polledAt: number;
  state: GroupState;
}

/**
 * How often a writer's binlog is looked at: the restore's resolution around its moment. A poll itself
 * is an fstat (~6 us); the wake-ups cost more: measured in a local plane with one MariaDB cluster,
 * ~3-4% of a core at 5 ms and ~7% at 2 ms (~0.04% without the journal).
 */
export const POLL_MS = 5;
/** Polls in a row with no cluster having a writer (the plane shut down) before the timer stops. */
const IDLE_POLLS = 2000;
/** Without a Rotate or Stop event (a crash), a newer binlog file is looked for every this many polls. */
const INDEX_EVERY = 20;
/** Sightings kept per cluster; older ones fall back to header seconds (with a warning). */
const MAX_SIGHTINGS = 200_000;

export class CommitJournal {
  private readonly cursors = new Map<string, Cursor>();
  private readonly seen = new Map<string, Map<string, Sighting>>();
  private timer?: NodeJS.Timeout;
  private idlePolls = 0;

  /** `writerDataDir`: the data dir of a cluster's writer now, undefined while it has none. */
  constructor(private readonly writerDataDir: (clusterId: string) => string | undefined, private readonly intervalMs = POLL_MS) {}

  /** Start (or keep) following a cluster's writer. */
  watch(clusterId: string): void {
    if (!this.cursors.has(clusterId)) this.cursors.set(clusterId, { offset: 0, indexIn: 0, ended: false, polledAt: Date.now(), state: {} });
    if (!this.seen.has(clusterId)) this.seen.set(clusterId, new Map());
    if (!this.timer) {
      this.idlePolls = 0;
      this.timer = setInterval(() => this.pollAll(), this.intervalMs);
      this.timer.unref();
    }
    this.poll(clusterId);
  }

  forget(clusterId: string): void {
    const cursor = this.cursors.get(clusterId);
    if (cursor) closeFile(cursor);
    this.cursors.delete(clusterId);
    this.seen.delete(clusterId);
    if (this.cursors.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** What was seen of a cluster's commits (polled once more first, so it reaches now). */
  sightings(clusterId: string): Map<string, Sighting> {
    if (this.cursors.has(clusterId)) this.poll(clusterId);
    return this.seen.get(clusterId) ?? new Map();
  }

  private pollAll(): void {
    let any = false;
    for (const id of this.cursors.keys()) any = this.poll(id) || any;
    this.idlePolls = any ? 0 : this.idlePolls + 1;
    // A plane shut down without deleting its clusters; a new first writer (watch) starts it again.
    if (this.idlePolls > IDLE_POLLS && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** False when the cluster has no writer to look at. */
  private poll(clusterId: string): boolean {
    const cursor = this.cursors.get(clusterId);
    if (!cursor) return false;
    const began = Date.now();
    try {
      const dataDir = this.writerDataDir(clusterId);
      if (!dataDir) return false;
      if (dataDir !== cursor.dataDir) this.follow(cursor, dataDir);
      else this.readOn(clusterId, cursor, dataDir);
      // Only a poll that read the binlog says what was not in it yet.
      cursor.polledAt = began;
    } catch {
      // A writer being replaced or removed mid-read: the next poll sees the new one.
      closeFile(cursor);
      cursor.dataDir = undefined;
    }
    return true;
  }

  /** A new writer: skip what its binlog already holds (sighted on the old one, or unsighted). */
  private follow(cursor: Cursor, dataDir: string): void {
    const files = binlogFiles(dataDir);
    closeFile(cursor);
    cursor.dataDir = dataDir;
    cursor.state = {};
    cursor.file = files[files.length - 1];
    cursor.indexIn = INDEX_EVERY;
    cursor.ended = false;
    if (!cursor.file) return;
    cursor.fd = openSync(join(dataDir, cursor.file), 'r');
    const r = parseEvents(readFrom(dataDir, cursor.file, 0), 0, cursor.file, cursor.state);
    cursor.offset = r.offset;
    cursor.ended = r.ended;
  }

  private readOn(clusterId: string, cursor: Cursor, dataDir: string): void {
    if (!cursor.file || cursor.fd === undefined) return this.follow(cursor, dataDir);
    const size = fstatSync(cursor.fd).size;
    if (size > cursor.offset) {
      const r = parseEvents(readFrom(dataDir, cursor.file, cursor.offset), cursor.offset, cursor.file, cursor.state);
      cursor.offset = r.offset;
      this.record(clusterId, r.txns, { after: cursor.polledAt, by: Date.now() });
      cursor.ended ||= r.ended;
      return;
    }
    // Nothing new here: has the server moved on to a newer file (a restart, FLUSH LOGS)?
    if (!cursor.ended && cursor.indexIn-- > 0) return;
    cursor.indexIn = INDEX_EVERY;
    const files = binlogFiles(dataDir);
    const i = files.indexOf(cursor.file);
    if (i >= 0 && i < files.length - 1) {
      closeFile(cursor);
      cursor.file = files[i + 1]!;
      cursor.fd = openSync(join(dataDir, cursor.file), 'r');
      cursor.offset = 0;
      cursor.ended = false;
      cursor.state = {};
      this.readOn(clusterId, cursor, dataDir);
    }
  }

  private record(clusterId: string, txns: BinlogTxn[], s: Sighting): void {
    const seen = this.seen.get(clusterId);
    if (!seen) return;
    for (const t of txns) if (!seen.has(t.gtid)) seen.set(t.gtid, s);
    while (seen.size > MAX_SIGHTINGS) seen.delete(seen.keys().next().value!);
  }
}

export interface StopChoice {
  /** How many of the transactions (a prefix, in binlog order) to replay. */
  count: number;
  /** Replayed though it may have committed just after the moment (it was written in the poll interval holding it). */
  undecided: number;
  /** ms from the last replayed transaction's latest possible commit to the moment, when known. */
  clearBeforeMs?: number;
  /** ms from the moment to the first transaction left out's earliest possible commit, when there is one. */
  clearAfterMs?: number;
}

/**
 * The prefix of `txns` (binlog order = commit order) that committed by `targetMs`. Each transaction's
 * commit lies in [lo, hi]: lo from its sighting's `after` (else its header second), raised to the largest
 * lo before it; hi from its sighting's `by` (unknown without one), lowered to the smallest hi after
 * it. Both only grow along the binlog, so the ones with lo <= T are a prefix;
 * of those, the ones with hi > T are undecided.
 */
export function chooseStop(txns: BinlogTxn[], sightings: Map<string, Sighting>, targetMs: number): StopChoice {
  const hi: number[] = new Array<number>(txns.length);
  let min = Number.POSITIVE_INFINITY;
  for (let i = txns.length - 1; i >= 0; i--) {
    const s = sightings.get(txns[i]!.gtid);
    if (s && s.by < min) min = s.by;
    hi[i] = min;
  }
  let lo = Number.NEGATIVE_INFINITY;
  let count = 0;
  let undecided = 0;
  let clearAfterMs: number | undefined;
  for (let i = 0; i < txns.length; i++) {
    const t = txns[i]!;
    const s = sightings.get(t.gtid);
    // A sighting is our own clock; without one, the header second (when the committing statement
    // began, which a session's SET TIMESTAMP can move) is the best lower bound there is.
    lo = Math.max(lo, s ? s.after : t.headerSec * 1000);
    if (lo > targetMs) {
      clearAfterMs = lo - targetMs;
      break;
    }
    count = i + 1;
    if (hi[i]! > targetMs) undecided++;
  }
  const lastHi = count > 0 ? hi[count - 1]! : Number.POSITIVE_INFINITY;
  return { count, undecided, ...(lastHi <= targetMs ? { clearBeforeMs: targetMs - lastHi } : {}), ...(clearAfterMs !== undefined ? { clearAfterMs } : {}) };
}

function closeFile(cursor: Cursor): void {
  if (cursor.fd !== undefined) closeSync(cursor.fd);
  cursor.fd = undefined;
}
