/**
 * What a running probe has seen so far, kept up to date event by event for the live line a terminal
 * shows during a probe: counts, the writer that answered last, and how long writes have been failing.
 */
import type { TimelineEvent } from './timeline.js';

export interface ProbeProgress {
  writesOk: number;
  writesFailed: number;
  readsOk: number;
  readsFailed: number;
  /** The instance that acknowledged the newest acknowledged write. */
  writer?: string;
  /** Writes are failing now: ms from the last acknowledgement (or the probe start) to the newest failure. */
  outageMs?: number;
  /** Probe time (ms since it started) of the newest event. */
  t: number;
}

export class ProbeTally {
  private p: ProbeProgress = { writesOk: 0, writesFailed: 0, readsOk: 0, readsFailed: 0, t: 0 };
  private lastAckAt = 0;

  /** Counts one event; returns the new progress for write and read outcomes, undefined for others. */
  add(e: TimelineEvent): ProbeProgress | undefined {
    if (e.op === 'reconnect') return undefined;
    const at = e.t + e.latencyMs;
    const p = { ...this.p, t: Math.max(this.p.t, at) };
    if (e.op === 'read') {
      if (e.ok) p.readsOk++;
      else p.readsFailed++;
    } else if (e.ok) {
      p.writesOk++;
      if (e.instanceId) p.writer = e.instanceId;
      this.lastAckAt = at;
      delete p.outageMs;
    } else {
      p.writesFailed++;
      p.outageMs = at - this.lastAckAt;
    }
    this.p = p;
    return { ...p };
  }
}

/** What a summary line needs to draw the probe: its length, the write outages, the writer changes. */
export interface ProbeTimelineData {
  probe: string;
  durationMs: number;
  /** Acknowledgement time of the first acknowledged write (before it, the probe was starting). */
  firstAckAt?: number;
  writeWindows: { from: number; to: number }[];
  openFrom?: number;
  writerChanges: { at: number; from: string; to: string }[];
}
