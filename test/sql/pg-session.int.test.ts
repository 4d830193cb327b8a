import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, queryRole, SqlError } from '../../src/sql/session.js';
import type { ResolvedConnection } from '../../src/sql/types.js';
import { startTestPostgres, type TestPostgres } from '../helpers/pg-fixture.js';

let pg: TestPostgres;
let conn: ResolvedConnection;
let otherCa: string;

beforeAll(async () => {
  pg = await startTestPostgres({ tls: true });
  conn = {
    family: 'postgres', host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: pg.database,
    tls: { ca: pg.ca! },
  };
  // A CA that did not sign the server's certificate.
  const dir = mkdtempSync(join(tmpdir(), 'alab-ca-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'ca.pem'), '-subj', '/CN=Not the lab CA', '-days', '1',
    ], { stdio: 'ignore' });
    otherCa = readFileSync(join(dir, 'ca.pem'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(async () => {
  await pg?.stop();
});

describe('a PostgreSQL session', () => {
  it('connects over TLS verified against the CA and says so', async () => {
    await using s = await openSession(conn);
    const { rows } = await s.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
    expect(rows).toEqual([{ ssl: true }]);
  });

  it('refuses a server whose certificate another CA signed', async () => {
    const err = await openSession({ ...conn, tls: { ca: otherCa } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).phase).toBe('connect');
    expect((err as SqlError).code).toMatch(/CERT|SIGNATURE|VERIFY/);
    expect((err as SqlError).hint).toMatch(/CA bundle/);
  });

  it('refuses a certificate that does not name the server', async () => {
    const err = await openSession({ ...conn, tls: { ca: pg.ca!, servername: 'db.elsewhere.example' } }).catch((e: unknown) => e);
    expect((err as SqlError).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('gives up a statement in flight when its signal is aborted (Ctrl-C), long before the statement would end', async () => {
    const controller = new AbortController();
    await using s = await openSession(conn, { signal: controller.signal });
    const sleeping = s.query('select pg_sleep(600)').catch((e: unknown) => e);
    // The statement is on the server: it shows in pg_stat_activity before the abort.
    await using watcher = await openSession(conn);
    for (let i = 0; i < 100; i++) {
      const { rows } = await watcher.query("select count(*)::int as n from pg_stat_activity where query = 'select pg_sleep(600)' and state = 'active'");
      if (rows[0]!.n === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    controller.abort();
    const err = (await sleeping) as SqlError;
    expect(err).toBeInstanceOf(SqlError);
    expect(err.code).toBe('INTERRUPTED');
    expect(err.outcomeUnknown).toBe(true);
    expect((await s.query('select 1').catch((e: unknown) => e)) as SqlError).toBeInstanceOf(SqlError);
  }, 60_000);

  it('carries the SQLSTATE of a failed statement and stays usable', async () => {
    await using s = await openSession(conn);
    const err = await s.query('select * from no_such_table').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).code).toBe('42P01');
    expect((err as SqlError).outcomeUnknown).toBe(false);
    expect((await s.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('reports a wrong password as 28P01 without echoing it', async () => {
    const err = await openSession({ ...conn, password: 'Wr0ng-Passw0rd-xyz' }).catch((e: unknown) => e);
    expect((err as SqlError).code).toBe('28P01');
    expect((err as SqlError).message).not.toContain('Wr0ng-Passw0rd-xyz');
    expect((err as SqlError).message).not.toContain(pg.password);
  });

  it('returns bigint as a string, takes $n parameters and counts affected rows', async () => {
    await using s = await openSession(conn);
    const { rows } = await s.query('select $1::bigint as big, $2::text as txt', ['9007199254740993', 'x']);
    expect(rows).toEqual([{ big: '9007199254740993', txt: 'x' }]);
    await s.query('create temp table t (a int)');
    expect((await s.query('insert into t values (1), (2), (3)')).rowCount).toBe(3);
  });

  it('names the instance it is on and whether it is a reader', async () => {
    await using s = await openSession(conn);
    // The local target (and so the fixture) installs aurora_db_instance_identifier().
    expect(await queryRole(s)).toEqual({ instanceId: 'test-postgres', isReader: false });
  });

  it('times a query out, drops the connection and leaves the outcome unknown', async () => {
    const s = await openSession(conn, { queryTimeoutMs: 200 });
    const err = await s.query('select pg_sleep(5)').catch((e: unknown) => e);
    expect((err as SqlError).code).toBe('QUERY_TIMEOUT');
    expect((err as SqlError).outcomeUnknown).toBe(true);
    const next = await s.query('select 1').catch((e: unknown) => e);
    expect((next as SqlError).code).toBe('QUERY_TIMEOUT');
    // This one was never sent.
    expect((next as SqlError).outcomeUnknown).toBe(false);
    await s.close();
  });

  it('survives the server killing an idle connection (no unhandled error event)', async () => {
    await using admin = await openSession(conn);
    const s = await openSession(conn);
    const { rows } = await s.query('select pg_backend_pid() as pid');
    await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
    await new Promise((r) => setTimeout(r, 200));
    const err = await s.query('select 1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    await s.close();
  });
});
