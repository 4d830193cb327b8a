import { describe, expect, it } from 'vitest';
import { verifyAcknowledgedWrites } from '../../src/sql/probe.js';
import type { Timeline } from '../../src/sql/timeline.js';
import type { QueryResult, SqlSession } from '../../src/sql/types.js';

/** A session that answers the seq read-back from a fixed set and records what it was asked. */
function fakeSession(family: 'postgres' | 'mysql', seqs: Array<number | string>) {
  const calls: Array<{ sql: string; params?: unknown[] }> = [];
  const session: SqlSession = {
    family,
    async query(sql: string, params?: unknown[]): Promise<QueryResult> {
      calls.push({ sql, params });
      const rows = seqs.map((seq) => ({ seq }));
      return { rows, rowCount: rows.length };
    },
    async close() {},
    async [Symbol.asyncDispose]() {},
  };
  return { session, calls };
}

const timeline: Timeline = {
  runId: 'run-7',
  family: 'postgres',
  table: 'aurora_lab_probe',
  intervalMs: 100,
  startedAt: 0,
  durationMs: 600,
  events: [
    { t: 0, op: 'write', ok: true, seq: 1, latencyMs: 1 },
    { t: 100, op: 'write', ok: true, seq: 2, latencyMs: 1 },
    { t: 200, op: 'write', ok: false, uncertain: true, seq: 3, error: 'QUERY_TIMEOUT', latencyMs: 1000 },
    { t: 1200, op: 'write', ok: false, seq: 4, error: 'ECONNREFUSED', latencyMs: 1 },
    { t: 1300, op: 'write', ok: true, seq: 5, latencyMs: 20 },
    { t: 1300, op: 'read', ok: true, seq: 5, latencyMs: 1 },
  ],
};

describe('verifyAcknowledgedWrites', () => {
  it('finds every acknowledged write and asks only for this run', async () => {
    // bigint seqs come back from pg as strings
    const { session, calls } = fakeSession('postgres', ['1', '2', '5']);
    const v = await verifyAcknowledgedWrites(session, timeline);
    expect(v).toEqual({ acknowledged: 3, found: 3, lost: [], unknownCommitted: 0 });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.params).toEqual(['run-7']);
    expect(calls[0]!.sql).toContain('aurora_lab_probe');
  });

  it('reports a missing acknowledged write as lost', async () => {
    const { session } = fakeSession('postgres', [1, 5]);
    expect(await verifyAcknowledgedWrites(session, timeline)).toEqual({ acknowledged: 3, found: 2, lost: [2], unknownCommitted: 0 });
  });

  it('accepts an unknown write either way and counts it when it did commit', async () => {
    const { session } = fakeSession('postgres', [1, 2, 3, 5]);
    expect(await verifyAcknowledgedWrites(session, timeline)).toEqual({ acknowledged: 3, found: 3, lost: [], unknownCommitted: 1 });
  });

  it('uses MySQL placeholders for a MySQL timeline', async () => {
    const { session, calls } = fakeSession('mysql', [1, 2, 5]);
    await verifyAcknowledgedWrites(session, { ...timeline, family: 'mysql' });
    expect(calls[0]!.sql).toMatch(/run_id = \?/);
  });
});
