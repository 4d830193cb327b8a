/**
 * The MySQL front on an endpoint (a TcpProxy) in front of a real MariaDB, through mysql2 with the
 * options the labs use: what Aurora MySQL clients ask (role, server id, topology), TLS through to the
 * instance, password logins passed through, and IAM users logged in with @aws-sdk/rds-signer tokens.
 */
import { Signer } from '@aws-sdk/rds-signer';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryReporter } from '../../../src/events.js';
import { MysqlFront } from '../../../src/local/engines/mysql/mysql-front.js';
import { writeTopology, type MysqlAdmin } from '../../../src/local/engines/mysql/mysql-topology.js';
import { TcpProxy } from '../../../src/local/endpoints/tcp-proxy.js';
import { ensureLocalTls } from '../../../src/local/endpoints/tls.js';
import { mysqlConnectionOptions } from '../../../src/sql/mysql-session.js';
import { startTestMariadb, type TestMariadb } from '../../helpers/mariadb-fixture.js';
import { TEST_CREDENTIALS } from '../../helpers/test-credentials.js';

const REGION = 'us-east-1';
const IAM_USER = 'lab_iam';
let db: TestMariadb;
let writerProxy: TcpProxy;
let readerProxy: TcpProxy;
let iamOn = true;
const reporter = new MemoryReporter();

const admin: MysqlAdmin = async (fn) => {
  const c = await mysql.createConnection({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database });
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
};

function options(proxy: TcpProxy, o: { tls?: boolean; user?: string; password?: string; iamToken?: string } = {}) {
  return mysqlConnectionOptions({
    family: 'mysql',
    host: proxy.host,
    port: proxy.port,
    user: o.user ?? db.user,
    database: db.database,
    ...(o.iamToken ? { iamToken: o.iamToken } : { password: o.password ?? db.password }),
    tls: o.tls === false ? false : { ca: db.ca },
  });
}

async function one(proxy: TcpProxy, sql: string, o: Parameters<typeof options>[1] = {}, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = await mysql.createConnection(options(proxy, o));
  try {
    const [rows] = await c.query(sql, params);
    return rows as Record<string, unknown>[];
  } finally {
    await c.end();
  }
}

async function refusal(proxy: TcpProxy, o: Parameters<typeof options>[1]): Promise<{ errno?: number; sqlState?: string; message: string }> {
  try {
    await one(proxy, 'select 1', o);
  } catch (err) {
    const e = err as { errno?: number; sqlState?: string; message: string };
    return { errno: e.errno, sqlState: e.sqlState, message: e.message };
  }
  return { message: 'logged in' };
}

function token(proxy: TcpProxy, user = IAM_USER): Promise<string> {
  return new Signer({ hostname: proxy.host, port: proxy.port, username: user, region: REGION, credentials: TEST_CREDENTIALS }).getAuthToken();
}

function refusalsSince(n: number): { user: string; reason: string; endpoint: string }[] {
  return reporter.events.slice(n).filter((e) => e.code === 'local.iam.refused').map((e) => e.data as { user: string; reason: string; endpoint: string });
}

beforeAll(async () => {
  db = await startTestMariadb();
  const tls = await ensureLocalTls(join(tmpdir(), 'aurora-lab-test-tls'));
  const roles: Record<string, 'writer' | 'reader'> = { 'c1-0': 'writer', 'c1-1': 'reader' };
  const front = new MysqlFront({
    clusterId: 'c1',
    region: REGION,
    tls,
    credentials: TEST_CREDENTIALS,
    iamAuth: () => iamOn,
    secret: randomBytes(32),
    auroraVersion: '3.08.2',
    instance: (id) => (roles[id] ? { host: db.host, port: db.port, role: roles[id]! } : undefined),
    reporter,
  });
  writerProxy = new TcpProxy('c1/cluster');
  readerProxy = new TcpProxy('c1/reader');
  await writerProxy.listen('127.0.0.1', 0);
  await readerProxy.listen('127.0.0.1', 0);
  // One MariaDB plays both instances; the front tells them apart by the proxy's target id.
  writerProxy.setTargets([{ id: 'c1-0', host: db.host, port: db.port }]);
  readerProxy.setTargets([{ id: 'c1-1', host: db.host, port: db.port }]);
  front.attach(writerProxy, readerProxy);
  await writeTopology(admin, [{ clusterId: 'c1', writerId: 'c1-0', members: [{ id: 'c1-0', session: 'unused' }, { id: 'c1-1', session: 'b1f0c2d4-reader', lagMs: 12.5 }] }]);
}, 120_000);

afterAll(async () => {
  await writerProxy?.close();
  await readerProxy?.close();
  await db?.stop();
});

describe('the MySQL front', () => {
  it('answers @@aurora_server_id and @@innodb_read_only per instance, over verified TLS', async () => {
    const sql = 'select @@aurora_server_id as instance_id, @@innodb_read_only as is_reader';
    expect(await one(writerProxy, sql)).toEqual([{ instance_id: 'c1-0', is_reader: 0 }]);
    expect(await one(readerProxy, sql)).toEqual([{ instance_id: 'c1-1', is_reader: 1 }]);
    expect(await one(readerProxy, 'select @@aurora_version')).toEqual([{ '@@aurora_version': '3.08.2' }]);
    expect(await one(writerProxy, "SHOW VARIABLES LIKE 'aurora_version'")).toEqual([{ Variable_name: 'aurora_version', Value: '3.08.2' }]);
    // A prepared statement (COM_STMT_PREPARE) is rewritten too.
    const c = await mysql.createConnection(options(readerProxy));
    try {
      const [rows] = await c.execute('select @@aurora_server_id as id, ? + 1 as n', [1]);
      expect(rows).toEqual([{ id: 'c1-1', n: 2 }]);
    } finally {
      await c.end();
    }
  });

  it('is a TLS session on the instance exactly when the client used TLS', async () => {
    const tlsRows = await one(writerProxy, "SHOW SESSION STATUS LIKE 'Ssl_version'");
    expect(tlsRows[0]!.Value).toMatch(/^TLSv1\.[23]$/);
    const clearRows = await one(writerProxy, "SHOW SESSION STATUS LIKE 'Ssl_version'", { tls: false });
    expect(clearRows[0]!.Value).toBe('');
  });

  it('passes password logins through to the instance, refusals included', async () => {
    expect(await one(writerProxy, 'select substring_index(current_user(), \'@\', 1) as who')).toEqual([{ who: 'lab' }]);
    const wrong = await refusal(writerProxy, { password: 'not-the-password' });
    expect(wrong).toMatchObject({ errno: 1045, sqlState: '28000' });
    expect(wrong.message).toContain("Access denied for user 'lab'");
  });

  it("answers the AWS wrappers' topology query exactly as they send it", async () => {
    const rows = await one(
      writerProxy,
      "SELECT SERVER_ID, CASE WHEN SESSION_ID = 'MASTER_SESSION_ID' THEN TRUE ELSE FALSE END, CPU, REPLICA_LAG_IN_MILLISECONDS, LAST_UPDATE_TIMESTAMP FROM information_schema.replica_host_status WHERE time_to_sec(timediff(now(), LAST_UPDATE_TIMESTAMP)) <= 300 OR SESSION_ID = 'MASTER_SESSION_ID' ",
    );
    expect(rows.map((r) => Object.values(r).slice(0, 2)).sort()).toEqual([['c1-0', 1], ['c1-1', 0]]);
  });

  it('answers the topology query with aliases, writer first', async () => {
    const rows = await one(
      readerProxy,
      "SELECT SERVER_ID, CASE WHEN SESSION_ID = 'MASTER_SESSION_ID' THEN TRUE ELSE FALSE END AS IS_WRITER, CPU, REPLICA_LAG_IN_MILLISECONDS, LAST_UPDATE_TIMESTAMP FROM information_schema.replica_host_status WHERE time_to_sec(timediff(now(), LAST_UPDATE_TIMESTAMP)) <= 300 OR SESSION_ID = 'MASTER_SESSION_ID' ORDER BY IS_WRITER DESC",
    );
    expect(rows.map((r) => [r.SERVER_ID, r.IS_WRITER, r.CPU, r.REPLICA_LAG_IN_MILLISECONDS])).toEqual([
      ['c1-0', 1, null, 0],
      ['c1-1', 0, null, 12.5],
    ]);
    expect(rows[0]!.LAST_UPDATE_TIMESTAMP).toBeInstanceOf(Date);
    const sessions = await one(writerProxy, 'select session_id from INFORMATION_SCHEMA.`REPLICA_HOST_STATUS` order by server_id');
    expect(sessions).toEqual([{ session_id: 'MASTER_SESSION_ID' }, { session_id: 'b1f0c2d4-reader' }]);
  });
});

describe('IAM users through the MySQL front', () => {
  beforeAll(async () => {
    const c = await mysql.createConnection(options(writerProxy));
    try {
      await c.query(`drop user if exists '${IAM_USER}'@'%'`);
      await c.query(`create user '${IAM_USER}'@'%' identified with AWSAuthenticationPlugin as 'RDS'`);
      await c.query(`grant select on \`${db.database}\`.* to '${IAM_USER}'@'%'`);
    } finally {
      await c.end();
    }
  });

  it("are created with AWSAuthenticationPlugin as the lab's check sees it", async () => {
    const rows = await one(writerProxy, "select count(*) as n from mysql.user where user = ? and plugin = 'AWSAuthenticationPlugin'", {}, [IAM_USER]);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('log in with an rds-signer token over verified TLS, at the writer and the reader endpoint', async () => {
    for (const proxy of [writerProxy, readerProxy]) {
      const rows = await one(proxy, "select substring_index(current_user(), '@', 1) as who, @@aurora_server_id as id", { user: IAM_USER, iamToken: await token(proxy) });
      expect(rows).toEqual([{ who: IAM_USER, id: proxy === writerProxy ? 'c1-0' : 'c1-1' }]);
    }
    const ssl = await one(writerProxy, "SHOW SESSION STATUS LIKE 'Ssl_version'", { user: IAM_USER, iamToken: await token(writerProxy) });
    expect(ssl[0]!.Value).toMatch(/^TLSv1\.[23]$/);
    const logins = reporter.events.filter((e) => e.code === 'local.iam.login').map((e) => (e.data as { endpoint: string }).endpoint);
    expect(logins).toEqual(['c1/cluster', 'c1/reader', 'c1/cluster']);
  });

  it('are refused with 1045 for a tampered or wrong-endpoint token, without TLS, and while IAM is off, and each refusal is logged', async () => {
    const before = reporter.events.length;
    const fresh = await token(writerProxy);
    const tampered = fresh.replace(/X-Amz-Signature=(.)/, (_m, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`);
    const attempts: [string, Parameters<typeof options>[1], () => void][] = [
      ['bad-signature', { user: IAM_USER, iamToken: tampered }, () => {}],
      ['wrong-host', { user: IAM_USER, iamToken: await token(readerProxy) }, () => {}],
      ['no-tls', { user: IAM_USER, password: fresh, tls: false }, () => {}],
      ['iam-disabled', { user: IAM_USER, iamToken: fresh }, () => (iamOn = false)],
    ];
    try {
      for (const [, o, setUp] of attempts) {
        setUp();
        const r = await refusal(writerProxy, o);
        expect(r).toMatchObject({ errno: 1045, sqlState: '28000' });
        expect(r.message).toContain(`Access denied for user '${IAM_USER}'@'127.0.0.1'`);
      }
    } finally {
      iamOn = true;
    }
    const logged = refusalsSince(before);
    expect(logged.map((e) => e.reason)).toEqual(attempts.map(([reason]) => reason));
    expect(logged.every((e) => e.user === IAM_USER && e.endpoint === 'c1/cluster')).toBe(true);
    const text = JSON.stringify(reporter.events);
    expect(text).not.toContain(fresh.split('X-Amz-Signature=')[1]);
    expect(text).not.toContain(tampered.split('X-Amz-Signature=')[1]);
  });
});
