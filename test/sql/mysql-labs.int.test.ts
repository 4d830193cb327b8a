/**
 * Every MySQL statement of the labs against a real MySQL-protocol server (MariaDB 10.11, started for
 * this file), through our session and the labs' own expectations: what a lab expects of COUNT(*),
 * integer literals and @@innodb_read_only holds with the types the server really sends. Writer steps
 * run on the server as it starts; reader steps after a restart with --innodb-read-only, which is how an
 * Aurora reader answers. What MariaDB cannot do is listed below with the reason, and nothing else is left out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLab } from '../../src/labs/loader.js';
import type { SqlStatement, SqlStep } from '../../src/labs/schema.js';
import { evaluate, render, truthy } from '../../src/labs/template.js';
import { openSession, SqlError } from '../../src/sql/session.js';
import type { ResolvedConnection } from '../../src/sql/types.js';
import { mariadbInstalled, startTestMariadb, type TestMariadb } from '../helpers/mariadb-fixture.js';

const LABS = ['cluster-launch', 'failover', 'global-database', 'iam-auth', 'performance-insights', 'point-in-time-recovery', 'serverless-v2', 'snapshot-migration'];
/** The instance the server pretends to be: Aurora's @@aurora_server_id becomes this literal. */
const INSTANCE = 'lab-instance-1';
/** Steps whose connection is a reader (the reader endpoint, a reader instance, the secondary region). */
const READER_STEPS = new Set([
  'cluster-launch/reader-endpoint',
  'cluster-launch/each-reader',
  'global-database/read-secondary',
  'global-database/read-old-primary',
  'snapshot-migration/checksum-serverless-reader',
]);
/** Steps MariaDB cannot run, and why. */
const NOT_HERE: Record<string, string> = {
  'iam-auth/create-iam-user': 'AWSAuthenticationPlugin exists only on Aurora MySQL',
  'iam-auth/refuse-no-tls': 'an IAM login (the client refuses it before connecting)',
  'iam-auth/server-refuses-no-tls': 'an IAM login (test/local/iam-front.test.ts and the local e2e run cover it)',
  'iam-auth/refuse-tampered': 'an IAM login',
  'serverless-v2/load': 'its own test below, with a short loadSeconds',
};
/** Parameters shortened so the file runs in seconds; the SQL is the lab's. */
const FAST_PARAMS: Record<string, unknown> = { probeSeconds: 0, slowSeconds: 0 };

interface Planned {
  lab: string;
  step: SqlStep;
  statements: SqlStatement[];
  ctx: Record<string, unknown>;
}

async function plannedSteps(): Promise<Planned[]> {
  const out: Planned[] = [];
  for (const name of LABS) {
    const { lab } = await loadLab(name);
    const params = { ...Object.fromEntries(Object.entries(lab.params).map(([k, p]) => [k, p.default])), ...pick(FAST_PARAMS, lab.params), iamUser: 'lab' };
    // One set of vars per lab, as in a run: what a step captures (a checksum on the source) a later step compares with.
    const vars: Record<string, unknown> = { writerBefore: INSTANCE, writerAfter: INSTANCE, readerInstances: [{ id: INSTANCE }] };
    for (const step of lab.steps) {
      if (step.kind !== 'sql' || NOT_HERE[`${name}/${step.id}`]) continue;
      const statements = Array.isArray(step.statements) ? step.statements : step.statements.mysql;
      const ctx: Record<string, unknown> = {
        run: { id: 'mysqltypes', prefix: 'al-mysqltypes', region: 'us-east-1' },
        engine: 'aurora-mysql', family: 'mysql', port: 3306, params,
        vars,
        measurements: { secondaryRegion: 'us-west-2' },
      };
      if (step.forEach !== undefined) {
        const items = render(step.forEach, ctx);
        ctx.item = Array.isArray(items) ? items[0] : 1;
      }
      out.push({ lab: name, step, statements, ctx });
    }
  }
  return out;
}

function pick(values: Record<string, unknown>, keys: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([k]) => k in keys));
}

interface Verdict {
  where: string;
  check: string;
  expect: string;
  passed: boolean;
  got: unknown;
}

async function runStep(p: Planned, conn: ResolvedConnection): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  await using s = await openSession(conn, { queryTimeoutMs: 60_000 });
  for (const st of p.statements) {
    const sql = String(render(st.sql, p.ctx)).replaceAll('@@aurora_server_id', `'${INSTANCE}'`);
    const params = st.params ? (render(st.params, p.ctx) as unknown[]) : undefined;
    const where = `${p.lab}/${p.step.id}: ${sql.slice(0, 60)}`;
    const check = st.check ? String(render(st.check, p.ctx)) : '(unnamed)';
    if (st.expectError) {
      const wanted = ([] as string[]).concat(st.expectError);
      const err = await s.query(sql, params).then(() => undefined, (e: unknown) => e);
      verdicts.push({ where, check, expect: `fails with ${wanted.join(' or ')}`, passed: err instanceof SqlError && wanted.includes(err.code), got: err instanceof SqlError ? err.code : 'no error' });
      continue;
    }
    const result = await s.query(sql, params);
    if (st.expect) {
      const condition = String(render(st.expect, p.ctx));
      verdicts.push({ where, check, expect: condition, passed: truthy(evaluate(condition, result)), got: result.rows.slice(0, 2) });
    }
    const vars = p.ctx.vars as Record<string, unknown>;
    for (const [name, expr] of Object.entries(st.capture ?? {})) vars[name] = evaluate(String(render(expr, p.ctx)), result);
  }
  return verdicts;
}

let db: TestMariadb;
let planned: Planned[];
const verdicts: Verdict[] = [];
// One server for the file (started by the first block, used by the second).
afterAll(async () => {
  await db?.stop();
}, 60_000);

describe.runIf(mariadbInstalled())('the labs\' MySQL statements on a MySQL-protocol server', () => {
  beforeAll(async () => {
    planned = await plannedSteps();
    db = await startTestMariadb();
    const conn: ResolvedConnection = { family: 'mysql', host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, tls: { ca: db.ca } };
    for (const p of planned.filter((x) => !READER_STEPS.has(`${x.lab}/${x.step.id}`))) verdicts.push(...(await runStep(p, conn)));
    await db.restart({ readOnly: true });
    for (const p of planned.filter((x) => READER_STEPS.has(`${x.lab}/${x.step.id}`))) verdicts.push(...(await runStep(p, conn)));
  }, 300_000);
  it('evaluates every expectation as the lab expects', () => {
    const failed = verdicts.filter((v) => !v.passed);
    expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
  });

  it('covers every expectation of the labs but the ones MariaDB cannot run', async () => {
    const all = (await Promise.all(LABS.map(async (n) => ({ n, lab: (await loadLab(n)).lab }))))
      .flatMap(({ n, lab }) => lab.steps.flatMap((s) => (s.kind === 'sql' && !NOT_HERE[`${n}/${s.id}`] ? (Array.isArray(s.statements) ? s.statements : s.statements.mysql) : [])))
      .filter((st) => st.expect || st.expectError);
    expect(verdicts.length).toBe(all.length);
    // The ones issue 10 found false with BIGINT as strings are among them.
    expect(verdicts.filter((v) => /is_reader == `[01]`/.test(v.expect)).length).toBeGreaterThanOrEqual(5);
    expect(verdicts.filter((v) => /\.n == `1`/.test(v.expect)).length).toBeGreaterThanOrEqual(3);
  });

  it('reads the session\'s TLS version where performance_schema is off', async () => {
    await using s = await openSession({ family: 'mysql', host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, tls: { ca: db.ca } });
    expect((await s.query('select @@performance_schema as ps')).rows[0]!.ps).toBe(0);
    expect((await s.query("show session status like 'Ssl_version'")).rows[0]!.Value).toMatch(/^TLSv1\.[23]$/);
    await using clear = await openSession({ family: 'mysql', host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, tls: false });
    expect((await clear.query("show session status like 'Ssl_version'")).rows[0]!.Value).toBe('');
  });
});

describe.runIf(mariadbInstalled())('serverless-v2\'s MySQL load', () => {
  it('stops each statement once loadSeconds have passed, in every session at once, well inside the 30 s statement limit', async () => {
    const { lab } = await loadLab('serverless-v2');
    const step = lab.steps.find((s): s is SqlStep => s.id === 'load' && s.kind === 'sql')!;
    const statements = Array.isArray(step.statements) ? step.statements : step.statements.mysql;
    const loadSeconds = 1;
    const sessions = Number(lab.params.sessions!.default);
    const ctx = { params: { ...Object.fromEntries(Object.entries(lab.params).map(([k, p]) => [k, p.default])), loadSeconds } };
    const conn: ResolvedConnection = { family: 'mysql', host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, tls: { ca: db.ca } };
    const perSession = await Promise.all(Array.from({ length: sessions }, async () => {
      // The same limit the lab's SQL steps run under: a statement past it fails the step.
      await using s = await openSession(conn, { queryTimeoutMs: 30_000 });
      const runs: { chunks: unknown; ms: number }[] = [];
      for (const st of statements) {
        const started = performance.now();
        const r = await s.query(String(render(st.sql, ctx)), render(st.params, ctx) as unknown[]);
        runs.push({ chunks: r.rows[0]!.chunks, ms: performance.now() - started });
      }
      return runs;
    }));
    expect(perSession).toHaveLength(sessions);
    for (const runs of perSession) {
      expect(runs).toHaveLength(3);
      for (const run of runs) {
        // Ended by the clock: it ran chunk after chunk until loadSeconds were up, never sooner.
        expect(run.chunks).toBeGreaterThanOrEqual(2);
        expect(run.ms).toBeGreaterThanOrEqual(loadSeconds * 1000 - 5);
      }
    }
  }, 200_000);
});
