/**
 * A probe started on a read-only endpoint that will become writable (a global secondary before an
 * unplanned failover promotes it): it starts when its table is already there, records every refused
 * write, and its first acknowledged write is when the server took writes. Without the table it cannot
 * start. Read-only here is default_transaction_read_only on the database, which every new session
 * (the probe reconnects after each failure) takes up, as it takes up a promotion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProbe } from '../../src/sql/probe.js';
import { openSession } from '../../src/sql/session.js';
import { SqlError } from '../../src/sql/sql-error.js';
import type { OpEvent } from '../../src/sql/timeline.js';
import type { ResolvedConnection } from '../../src/sql/types.js';
import { startTestPostgres, type TestPostgres } from '../helpers/pg-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let pg: TestPostgres;
let conn: ResolvedConnection;

beforeAll(async () => {
  pg = await startTestPostgres();
  conn = { family: 'postgres', host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database, tls: false };
});
afterAll(async () => {
  await pg?.stop();
});

async function readOnly(on: boolean): Promise<void> {
  await using s = await openSession(conn);
  // This session itself starts read-only once the database is: it opts out before changing the setting.
  await s.query('set default_transaction_read_only = off');
  await s.query(on ? `alter database ${pg.database} set default_transaction_read_only = on` : `alter database ${pg.database} reset default_transaction_read_only`);
}

describe('a probe on a read-only endpoint', () => {
  it('cannot start when its table is not there yet', async () => {
    await readOnly(true);
    try {
      const started = startProbe({ write: conn, intervalMs: 20, runId: 'no-table', table: 'probe_missing' });
      await expect(started).rejects.toSatisfy((e) => e instanceof SqlError && e.code === '25006');
    } finally {
      await readOnly(false);
    }
  });

  it('starts when the table exists, is refused until the server takes writes, then is acknowledged', async () => {
    // The table made while writable, as the primary region makes it before the secondary is promoted.
    await (await startProbe({ write: conn, intervalMs: 20, runId: 'make-table', table: 'probe_ro' })).stop();
    await readOnly(true);
    let probe;
    try {
      probe = await startProbe({ write: conn, intervalMs: 20, runId: 'read-only', table: 'probe_ro' });
      await sleep(300);
    } finally {
      await readOnly(false);
    }
    const back = await probe.waitForRecovery({ maxWaitMs: 10_000, settleMs: 100 });
    const tl = await probe.stop();
    expect(back.recovered).toBe(true);
    const writes = tl.events.filter((e): e is OpEvent => e.op === 'write');
    const firstOk = writes.findIndex((e) => e.ok);
    expect(firstOk).toBeGreaterThan(0);
    // Before it: only refusals, each the read-only SQLSTATE, none of uncertain outcome.
    expect(writes.slice(0, firstOk).every((e) => !e.ok && e.error === '25006' && !e.uncertain)).toBe(true);
    await using s = await openSession(conn);
    const { rows } = await s.query('select count(*)::int as n from probe_ro where run_id = $1', ['read-only']);
    expect(rows[0]!.n).toBe(writes.filter((e) => e.ok).length);
  });
});
