import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProbe, verifyAcknowledgedWrites } from '../../src/sql/probe.js';
import { openSession } from '../../src/sql/session.js';
import { analyzeTimeline, type OpEvent, type Timeline, type TimelineEvent } from '../../src/sql/timeline.js';
import type { ResolvedConnection } from '../../src/sql/types.js';
import { startTestPostgres, type TestPostgres } from '../helpers/pg-fixture.js';
import { findPostmaster, startPostmaster, stopPostmaster, stopRestarted, type Postmaster } from './pg-restart.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pg: TestPostgres;
let conn: ResolvedConnection;
let restarted: ChildProcess | undefined;
let postmaster: Postmaster | undefined;

beforeAll(async () => {
  pg = await startTestPostgres({ tls: true });
  conn = {
    family: 'postgres', host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database,
    tls: { ca: pg.ca! },
  };
});
afterAll(async () => {
  if (postmaster) await stopRestarted(postmaster, restarted);
  await pg?.stop();
});

describe('the failover probe against a real PostgreSQL', () => {
  it('writes and reads every interval with no failure, and every acknowledged write is in the table', async () => {
    const seen: TimelineEvent[] = [];
    const probe = await startProbe({ write: conn, read: conn, intervalMs: 100, runId: 'steady', onEvent: (e) => seen.push(e) });
    await sleep(1000);
    const tl = await probe.stop();
    const report = analyzeTimeline(tl);

    expect(report.acknowledgedWrites).toBeGreaterThanOrEqual(9);
    expect(report.failedWrites + report.unknownWrites).toBe(0);
    expect(report.acknowledgedReads).toBeGreaterThanOrEqual(9);
    expect(report.failedReads).toBe(0);
    expect(report.writeOutageMs).toBe(0);
    expect(report.reconnects).toBe(0);
    expect(report.writersSeen).toEqual(['test-postgres']);
    expect(seen).toHaveLength(tl.events.length);
    // Each attempt took a new seq.
    const seqs = tl.events.filter((e): e is OpEvent => e.op === 'write').map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    // No secret anywhere in what the probe recorded.
    expect(JSON.stringify(tl)).not.toContain(pg.password);

    await using s = await openSession(conn);
    const v = await verifyAcknowledgedWrites(s, tl);
    expect(v.acknowledged).toBe(report.acknowledgedWrites);
    expect(v.lost).toEqual([]);
    expect(v.found).toBe(v.acknowledged);
  });

  it('measures an outage when the server stops and comes back, reconnects, and loses no acknowledged write', async () => {
    {
      await using admin = await openSession(conn);
      postmaster = await findPostmaster(admin);
    }
    const probe = await startProbe({ write: conn, read: conn, intervalMs: 50, runId: 'restart' });
    let tl: Timeline;
    let down: Awaited<ReturnType<typeof probe.waitForRecovery>>;
    let back: Awaited<ReturnType<typeof probe.waitForRecovery>>;
    try {
      await sleep(400);
      await stopPostmaster(postmaster);
      // Once a write has failed, waiting for the recovery while the server is down gives up at its maximum.
      while (!probe.events().some((e) => e.op === 'write' && !e.ok)) await sleep(20);
      down = await probe.waitForRecovery({ maxWaitMs: 200, settleMs: 0 });
      await sleep(500);
      restarted = await startPostmaster(postmaster);
      // The probe is stopped only after the server acknowledged a write again, plus a settle period.
      back = await probe.waitForRecovery({ writer: 'test-postgres', maxWaitMs: 30_000, settleMs: 500 });
    } finally {
      tl = await probe.stop();
    }
    const report = analyzeTimeline(tl);
    expect(down.recovered).toBe(false);
    expect(back.recovered).toBe(true);
    const settled = tl.events.filter((e): e is OpEvent => e.op === 'write' && e.ok && e.t >= report.recoveredAt!);
    expect(settled.length).toBeGreaterThanOrEqual(2);
    if (process.env.PROBE_DUMP) console.error(JSON.stringify({ report, events: tl.events }, null, 1));

    expect(report.failedWrites + report.unknownWrites).toBeGreaterThan(0);
    // The server was down for at least the 500 ms we waited.
    expect(report.writeOutageMs).toBeGreaterThanOrEqual(500);
    expect(report.readOutageMs).toBeGreaterThan(0);
    expect(report.writeOutageOpen).toBe(false);
    expect(report.reconnects).toBeGreaterThanOrEqual(1);
    expect(report.writeReconnects).toBeGreaterThanOrEqual(1);
    expect(report.recoveredAt).toBeGreaterThan(report.firstFailureAt!);
    const errors = tl.events.filter((e): e is OpEvent => e.op !== 'reconnect' && !e.ok).map((e) => e.error);
    expect(errors.every((c) => typeof c === 'string' && /^[A-Z0-9_]+$/.test(c))).toBe(true);

    await using s = await openSession(conn);
    const v = await verifyAcknowledgedWrites(s, tl);
    expect(v.acknowledged).toBeGreaterThan(0);
    expect(v.lost).toEqual([]);
  });

  it('waiting for a writer that never acknowledges gives up at the maximum, and the probe keeps recording', async () => {
    const probe = await startProbe({ write: conn, intervalMs: 50, runId: 'no-such-writer' });
    try {
      const r = await probe.waitForRecovery({ writer: 'another-instance', maxWaitMs: 300, settleMs: 0 });
      expect(r.recovered).toBe(false);
      expect(r.waitedMs).toBeGreaterThanOrEqual(250);
      const any = await probe.waitForRecovery({ maxWaitMs: 30_000, settleMs: 0 });
      expect(any.recovered).toBe(true);
    } finally {
      const tl = await probe.stop();
      expect(analyzeTimeline(tl).writersSeen).toEqual(['test-postgres']);
    }
  });

  it('rejects an interval above 100 ms and a table name that is not an identifier', async () => {
    await expect(startProbe({ write: conn, intervalMs: 250, runId: 'x' })).rejects.toMatchObject({ code: 'PROBE_INTERVAL' });
    await expect(startProbe({ write: conn, intervalMs: 50, runId: 'x', table: 'x; drop table y' })).rejects.toMatchObject({ code: 'PROBE_TABLE' });
  });
});
