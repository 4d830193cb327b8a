/**
 * The figures a failover with data loss is judged by: which acknowledged writes the new writer lacks
 * (read back from the database) turned into a consistent-prefix verdict and the time the lost writes
 * span, and the first write a given writer acknowledged after a call.
 */
import { describe, expect, it } from 'vitest';
import { firstAckAfter, lossWindow } from '../../src/engine/steps/probe-loss.js';
import type { OpEvent, Timeline } from '../../src/sql/timeline.js';

/** A write every 20 ms, acknowledged 2 ms later, by `old` until seq 10, failing 11-12, by `new` from 13. */
function timeline(): Timeline {
  const events: OpEvent[] = [];
  for (let seq = 1; seq <= 15; seq++) {
    const t = seq * 20;
    if (seq === 11 || seq === 12) events.push({ t, op: 'write', ok: false, seq, error: '57P01', latencyMs: 1 });
    else events.push({ t, op: 'write', ok: true, seq, instanceId: seq <= 10 ? 'old' : 'new', latencyMs: 2 });
  }
  events.push({ t: 25, op: 'read', ok: true, seq: 1, latencyMs: 1 });
  return { runId: 'r', family: 'postgres', table: 'aurora_lab_probe', intervalMs: 20, startedAt: 1_000_000, durationMs: 320, events };
}

describe('lossWindow', () => {
  it("judges the old writer's writes only: what the new writer acknowledged later is not a hole", () => {
    // Kept: 1-7 by old, 13-15 by new; lost: 8-10, acknowledged by old from 162 to 202 ms.
    expect(lossWindow(timeline(), [8, 9, 10])).toEqual({ consistentPrefix: true, windowMs: 60, newestKept: 7 });
  });

  it('measures the window from the newest kept write to the newest lost one', () => {
    const tl = timeline();
    tl.events = tl.events.filter((e) => e.op !== 'write' || (e.seq ?? 0) <= 10);
    const w = lossWindow(tl, [8, 9, 10]);
    expect(w).toEqual({ consistentPrefix: true, windowMs: 60, newestKept: 7 });
  });

  it('calls a loss with a kept write after a lost one a hole, not a prefix', () => {
    const tl = timeline();
    tl.events = tl.events.filter((e) => e.op !== 'write' || (e.seq ?? 0) <= 10);
    expect(lossWindow(tl, [7, 9]).consistentPrefix).toBe(false);
  });

  it('reports a zero window, measured, when nothing acknowledged was lost', () => {
    expect(lossWindow(timeline(), [])).toEqual({ consistentPrefix: true, windowMs: 0, newestKept: 15 });
  });
});

describe('firstAckAfter', () => {
  it('gives the first acknowledgement by the named writer after the call', () => {
    const tl = timeline();
    // The call at t=150: seq 8 (old) is the first after it; seq 13 at t=260, acknowledged at 262, is the new writer's first.
    expect(firstAckAfter(tl, tl.startedAt + 150)).toBe(tl.startedAt + 162);
    expect(firstAckAfter(tl, tl.startedAt + 150, 'new')).toBe(tl.startedAt + 262);
  });

  it('is absent when no write was acknowledged after the call', () => {
    const tl = timeline();
    expect(firstAckAfter(tl, tl.startedAt + 1000)).toBeUndefined();
    expect(firstAckAfter(tl, tl.startedAt, 'elsewhere')).toBeUndefined();
  });
});
