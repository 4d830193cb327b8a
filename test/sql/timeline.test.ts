import { describe, expect, it } from 'vitest';
import { analyzeTimeline, type OpEvent, type Timeline, type TimelineEvent } from '../../src/sql/timeline.js';

function tl(events: TimelineEvent[]): Timeline {
  return { runId: 'r1', family: 'postgres', table: 'aurora_lab_probe', intervalMs: 100, startedAt: 0, durationMs: 0, events };
}
const w = (t: number, ok: boolean, extra: Partial<OpEvent> = {}): OpEvent => ({ t, op: 'write', ok, latencyMs: 2, ...extra });
const r = (t: number, ok: boolean, extra: Partial<OpEvent> = {}): OpEvent => ({ t, op: 'read', ok, latencyMs: 1, ...extra });

describe('analyzeTimeline', () => {
  it('reports no outage when every write was acknowledged', () => {
    const rep = analyzeTimeline(tl([w(0, true, { seq: 1 }), w(100, true, { seq: 2 }), w(200, true, { seq: 3 })]));
    expect(rep.writeOutageMs).toBe(0);
    expect(rep.writeWindows).toEqual([]);
    expect(rep.firstFailureAt).toBeUndefined();
    expect(rep.recoveredAt).toBeUndefined();
    expect(rep.acknowledgedWrites).toBe(3);
    expect(rep.failedWrites).toBe(0);
  });

  it('measures one window from the last acknowledgement before it to the first after it', () => {
    const rep = analyzeTimeline(
      tl([w(0, true), w(100, true), w(200, false, { error: '08006' }), w(300, false), w(400, true, { latencyMs: 30 }), w(500, true)]),
    );
    // acks at 102 and 430
    expect(rep.writeOutageMs).toBe(328);
    expect(rep.writeWindows).toEqual([{ from: 102, to: 430, durationMs: 328, failures: 2 }]);
    expect(rep.firstFailureAt).toBe(200);
    expect(rep.recoveredAt).toBe(430);
    expect(rep.failedWrites).toBe(2);
    expect(rep.writeOutageOpen).toBe(false);
  });

  it('reports the longest of two windows and dates recovery after the last one', () => {
    const rep = analyzeTimeline(
      tl([w(0, true), w(100, false), w(200, true), w(300, true), w(400, false), w(500, false), w(600, false), w(700, true), w(800, true)]),
    );
    expect(rep.writeWindows.map((x) => x.durationMs)).toEqual([200, 400]);
    expect(rep.writeOutageMs).toBe(400);
    expect(rep.firstFailureAt).toBe(100);
    expect(rep.recoveredAt).toBe(702);
  });

  it('counts unknown writes apart from failed ones and as part of the outage', () => {
    const rep = analyzeTimeline(
      tl([w(0, true), w(100, false, { uncertain: true, error: 'QUERY_TIMEOUT' }), w(1100, false, { error: 'ECONNREFUSED' }), w(1200, true)]),
    );
    expect(rep.unknownWrites).toBe(1);
    expect(rep.failedWrites).toBe(1);
    expect(rep.writeOutageMs).toBe(1200);
  });

  it('reports an outage still open at stop as open, with its length so far up to the stop, never as 0', () => {
    const rep = analyzeTimeline({ ...tl([w(0, true), w(100, true), w(200, false), w(300, false)]), durationMs: 450 });
    // From the last acknowledgement (102) to the stop (450).
    expect(rep.writeOutageOpen).toBe(true);
    expect(rep.writeOutageMs).toBe(348);
    expect(rep.writeOpenWindow).toEqual({ from: 102, soFarMs: 348, failures: 2 });
    expect(rep.writeWindows).toEqual([]);
    expect(rep.firstFailureAt).toBe(200);
    expect(rep.recoveredAt).toBeUndefined();
  });

  it('an open outage shorter than an earlier closed one leaves the longest as the figure, still flagged open', () => {
    const rep = analyzeTimeline({ ...tl([w(0, true), w(100, false), w(900, true), w(1000, false)]), durationMs: 1100 });
    expect(rep.writeWindows.map((x) => x.durationMs)).toEqual([900]);
    expect(rep.writeOutageMs).toBe(900);
    expect(rep.writeOutageOpen).toBe(true);
    expect(rep.writeOpenWindow).toEqual({ from: 902, soFarMs: 198, failures: 1 });
  });

  it('a probe that never had a write acknowledged reports its whole run as an open outage', () => {
    const rep = analyzeTimeline({ ...tl([w(0, false), w(100, false)]), durationMs: 300 });
    expect(rep.writeOutageOpen).toBe(true);
    expect(rep.writeOutageMs).toBe(300);
    expect(rep.acknowledgedWrites).toBe(0);
  });

  it('dates each writer change at the first write another instance acknowledged', () => {
    const rep = analyzeTimeline(
      tl([w(0, true, { instanceId: 'a' }), w(100, false), w(200, true, { instanceId: 'b', latencyMs: 5 }), w(300, true, { instanceId: 'b' })]),
    );
    expect(rep.writerChanges).toEqual([{ at: 205, from: 'a', to: 'b' }]);
    expect(analyzeTimeline(tl([w(0, true, { instanceId: 'a' }), w(100, true, { instanceId: 'a' })])).writerChanges).toEqual([]);
  });

  it('measures read outages separately from write outages', () => {
    const rep = analyzeTimeline(tl([w(0, true), r(0, true), w(100, true), r(100, false), r(200, false), w(200, true), r(300, true)]));
    expect(rep.writeOutageMs).toBe(0);
    expect(rep.readOutageMs).toBe(300);
    expect(rep.failedReads).toBe(2);
    expect(rep.acknowledgedReads).toBe(2);
    expect(rep.firstFailureAt).toBe(100);
  });

  it('counts reconnects by target', () => {
    const rep = analyzeTimeline(
      tl([
        w(0, true),
        w(100, false),
        { t: 210, op: 'reconnect', target: 'write' },
        w(200, true),
        { t: 250, op: 'reconnect', target: 'read' },
        { t: 900, op: 'reconnect', target: 'write' },
      ]),
    );
    expect(rep.reconnects).toBe(3);
    expect(rep.writeReconnects).toBe(2);
    expect(rep.readReconnects).toBe(1);
  });

  it('lists the writers that acknowledged writes, once each, in order of first appearance', () => {
    const rep = analyzeTimeline(
      tl([
        w(0, true, { instanceId: 'db-1' }),
        w(100, true, { instanceId: 'db-1' }),
        w(200, false, { instanceId: 'db-3' }),
        w(300, true, { instanceId: 'db-2' }),
        w(400, true, { instanceId: 'db-1' }),
      ]),
    );
    expect(rep.writersSeen).toEqual(['db-1', 'db-2']);
  });

  it('gives the median time between write attempts as the resolution, null with fewer than two', () => {
    expect(analyzeTimeline(tl([w(0, true), w(100, true), w(200, true), w(1200, true), w(1300, true)])).resolutionMs).toBe(100);
    expect(analyzeTimeline(tl([w(0, true), w(100, true), w(250, true)])).resolutionMs).toBe(125);
    expect(analyzeTimeline(tl([w(0, true)])).resolutionMs).toBeNull();
  });

  it('does not depend on the order of the events in the array', () => {
    const events = [w(300, true), w(0, true), w(200, false), w(100, true)];
    expect(analyzeTimeline(tl(events)).writeWindows).toEqual([{ from: 102, to: 302, durationMs: 200, failures: 1 }]);
  });

  it('carries the definition of the outage with the numbers', () => {
    expect(analyzeTimeline(tl([])).definition).toMatch(/consecutive acknowledged writes/);
  });
});
