/**
 * The labs' engine-specific SQL: the PostgreSQL statements run against a real server (tiny sizes),
 * the MySQL ones, with no MySQL server at hand, are checked as text.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labsDir, parseLab } from '../../src/labs/loader.js';
import type { Lab, SqlStatement } from '../../src/labs/schema.js';
import { evaluate, render, truthy } from '../../src/labs/template.js';
import { openSession, type SqlSession } from '../../src/sql/session.js';
import { startTestPostgres, type TestPostgres } from '../helpers/pg-fixture.js';

function lab(name: string): Lab {
  return parseLab(readFileSync(path.join(labsDir(), `${name}.yaml`), 'utf8'), `${name}.yaml`);
}

function statementsOf(l: Lab, stepId: string, family: 'postgres' | 'mysql'): SqlStatement[] {
  const step = l.steps.find((s) => s.id === stepId);
  if (!step || step.kind !== 'sql') throw new Error(`no sql step ${stepId}`);
  return Array.isArray(step.statements) ? step.statements : step.statements[family];
}

/** Runs statements as the engine does: params rendered, expect evaluated, captures collected. */
async function run(session: SqlSession, list: SqlStatement[], ctx: Record<string, unknown>) {
  const captured: Record<string, unknown> = {};
  for (const st of list) {
    const params = st.params ? (render(st.params, ctx) as unknown[]) : undefined;
    const result = await session.query(st.sql, params);
    if (st.expect) expect(truthy(evaluate(String(render(st.expect, ctx)), result)), `${st.sql} -> ${st.expect}`).toBe(true);
    for (const [name, expr] of Object.entries(st.capture ?? {})) captured[name] = evaluate(expr, result);
  }
  return captured;
}

describe('lab SQL on a real PostgreSQL', () => {
  let pg: TestPostgres;
  let session: SqlSession;
  beforeAll(async () => {
    pg = await startTestPostgres({ tls: true });
    session = await openSession({ family: 'postgres', host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database, tls: { ca: pg.ca!, servername: 'localhost' } });
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await pg?.stop();
  });

  it('seeds the snapshot-migration data set and checksums it the same way twice', async () => {
    const l = lab('snapshot-migration');
    const ctx = { params: { rows: 500 }, vars: {}, run: { id: 'test' } };
    await run(session, statementsOf(l, 'seed', 'postgres'), ctx);
    const first = await run(session, statementsOf(l, 'checksum-source', 'postgres'), ctx);
    expect(first.sourceRows).toBe(500);
    expect(first.sourceChecksum).toMatch(/^[0-9a-f]{32}$/);
    const again = await run(session, statementsOf(l, 'checksum-aurora', 'postgres'), ctx);
    expect(again.auroraRows).toBe(500);
    expect(again.auroraChecksum).toBe(first.sourceChecksum);
  });

  it('detects a single changed row with the snapshot-migration checksum', async () => {
    const l = lab('snapshot-migration');
    const ctx = { params: { rows: 200 }, vars: {} };
    await run(session, statementsOf(l, 'seed', 'postgres'), ctx);
    const before = await run(session, statementsOf(l, 'checksum-source', 'postgres'), ctx);
    await session.query('update lab_items set qty = qty + 1 where id = 117');
    const after = await run(session, statementsOf(l, 'checksum-source', 'postgres'), ctx);
    expect(after.sourceRows).toBe(before.sourceRows);
    expect(after.sourceChecksum).not.toBe(before.sourceChecksum);
  });

  it('runs the performance-insights workload, whose customer lookup scans until the index exists', async () => {
    const l = lab('performance-insights');
    const ctx = { params: { rows: 3000, customers: 50 }, vars: {}, item: 7 };
    await run(session, statementsOf(l, 'prepare', 'postgres'), ctx);
    await run(session, statementsOf(l, 'workload', 'postgres'), ctx);
    const lookup = statementsOf(l, 'workload', 'postgres').find((st) => st.sql.includes('customer_id = $1'))!;
    const plan = async () => (await session.query(`explain ${lookup.sql}`, [7])).rows.map((r) => String(Object.values(r)[0])).join('\n');
    expect(await plan()).toMatch(/Seq Scan on lab_orders/);
    await run(session, statementsOf(l, 'create-index', 'postgres'), ctx);
    expect(await plan()).toMatch(/Index.* on lab_orders|lab_orders_customer_id/);
    await run(session, statementsOf(l, 'workload-after', 'postgres'), ctx);
  });

  it('keeps a CPU busy for the serverless-v2 load seconds and then stops', async () => {
    const l = lab('serverless-v2');
    const [first] = statementsOf(l, 'load', 'postgres');
    const started = Date.now();
    const out = await session.query(first!.sql, [1]);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(10_000);
    expect(Number(out.rows[0]!.n)).toBeGreaterThan(1);
  });
});

describe('lab SQL for MySQL, as text', () => {
  const all = ['failover', 'iam-auth', 'snapshot-migration', 'performance-insights', 'serverless-v2'].flatMap((name) =>
    lab(name).steps.flatMap((s) => (s.kind === 'sql' && !Array.isArray(s.statements) ? s.statements.mysql.map((st) => ({ lab: name, step: s.id, st })) : [])),
  );

  it.each(all.map((x) => [`${x.lab}/${x.step}: ${x.st.sql.slice(0, 60)}`, x] as const))('%s uses MySQL syntax', (_, { st }) => {
    expect(st.sql).not.toMatch(/\$\d/); // postgres placeholders
    expect(st.sql).not.toMatch(/::\w/); // postgres casts
    expect(st.sql).not.toMatch(/\b(pg_\w+|generate_series|string_agg|md5\(|returning|ilike|on conflict|make_interval|clock_timestamp)\b/i);
    const placeholders = (st.sql.match(/\?/g) ?? []).length;
    expect(placeholders).toBe(st.params?.length ?? 0);
  });

  it('uses MySQL error numbers, not SQLSTATEs, where a MySQL statement must fail', () => {
    for (const { st } of all) {
      if (!st.expectError) continue;
      for (const code of [st.expectError].flat()) expect(code).toMatch(/^(\d{4}|[A-Z_]+)$/);
    }
  });

  it('uses only forms MySQL 8.0 and MariaDB 10.11 both answer (no cte_max_recursion_depth, no performance_schema tables)', () => {
    for (const { st } of all) expect(st.sql).not.toMatch(/cte_max_recursion_depth|performance_schema\./);
  });

  it('seeds snapshot-migration without a recursion limit and raises the limit its checksum depends on', () => {
    const l = lab('snapshot-migration');
    expect(statementsOf(l, 'seed', 'mysql').some((s) => /with recursive/.test(s.sql))).toBe(false);
    expect(statementsOf(l, 'checksum-source', 'mysql')[0]!.sql).toMatch(/group_concat_max_len = 1073741824/);
    expect(statementsOf(l, 'checksum-aurora', 'mysql').map((s) => s.sql)).toEqual(statementsOf(l, 'checksum-source', 'mysql').map((s) => s.sql));
  });
});
