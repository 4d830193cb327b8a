/**
 * The MySQL session against mysql2's own protocol server on 127.0.0.1 (no MySQL server is installed
 * here): results, server errors by number, and a connection the server drops.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, SqlError } from '../../src/sql/session.js';
import { startProbe, verifyAcknowledgedWrites } from '../../src/sql/probe.js';
import { analyzeTimeline, type Timeline } from '../../src/sql/timeline.js';
import type { ResolvedConnection } from '../../src/sql/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const require = createRequire(import.meta.url);
const mysql = require('mysql2') as { createServer(): FakeServer };

interface FakeConn {
  serverHandshake(args: Record<string, unknown>): void;
  on(event: 'query', cb: (sql: string) => void): void;
  on(event: 'error', cb: (err: unknown) => void): void;
  writeColumns(cols: unknown[]): void;
  writeTextRow(values: unknown[]): void;
  writeEof(): void;
  writeOk(args?: { affectedRows: number }): void;
  writeError(args: { message: string; code: number }): void;
  stream: { destroy(): void };
  /** mysql2's server does not number its replies as MySQL does; set by hand to keep the client quiet. */
  sequenceId: number;
}
interface FakeServer {
  listen(port: number, host: string, cb: () => void): void;
  on(event: 'connection', cb: (c: FakeConn) => void): void;
  close(): void;
  _server: { address(): AddressInfo };
}

const column = (name: string) => ({
  catalog: 'def', schema: '', table: '', orgTable: '', name, orgName: name,
  characterSet: 33, columnLength: 384, columnType: 253, flags: 0, decimals: 0,
});

/** What the fake server knows: which instance it pretends to be, and the probe rows. */
let instanceId = 'lab-instance-2';
const probeRows = new Set<string>();
const open = new Set<FakeConn>();

function rows(c: FakeConn, names: string[], values: unknown[][]): void {
  c.writeColumns(names.map(column));
  for (const v of values) c.writeTextRow(v);
  c.writeEof();
}

function answer(c: FakeConn, sql: string): void {
  let m: RegExpMatchArray | null;
  if (sql.startsWith('select @@aurora_server_id as instance_id, @@innodb_read_only')) {
    rows(c, ['instance_id', 'is_reader'], [[instanceId, '1']]);
  } else if (sql === 'select @@aurora_server_id as instance_id') {
    rows(c, ['instance_id'], [[instanceId]]);
  } else if (sql.startsWith('create table if not exists aurora_lab_probe')) {
    c.writeOk({ affectedRows: 0 });
  } else if ((m = /^insert into aurora_lab_probe \(run_id, seq, client_ts\) values \('([^']+)', (\d+), \d+\)$/.exec(sql))) {
    probeRows.add(`${m[1]}/${m[2]}`);
    c.writeOk({ affectedRows: 1 });
  } else if ((m = /^select @@aurora_server_id as instance_id, \(select max\(seq\) from aurora_lab_probe where run_id = '([^']+)'\) as max_seq$/.exec(sql))) {
    const seqs = [...probeRows].filter((k) => k.startsWith(`${m![1]}/`)).map((k) => Number(k.split('/')[1]));
    rows(c, ['instance_id', 'max_seq'], [[instanceId, seqs.length ? String(Math.max(...seqs)) : null]]);
  } else if ((m = /^select seq from aurora_lab_probe where run_id = '([^']+)'$/.exec(sql))) {
    const seqs = [...probeRows].filter((k) => k.startsWith(`${m![1]}/`)).map((k) => [k.split('/')[1]]);
    rows(c, ['seq'], seqs);
  } else if (sql.startsWith('insert')) {
    c.writeError({ message: 'The MySQL server is running with the --read-only option so it cannot execute this statement', code: 1290 });
  } else if (sql.startsWith('update')) {
    c.writeOk({ affectedRows: 2 });
  } else if (sql.startsWith('kill me')) {
    c.stream.destroy();
  } else {
    c.writeError({ message: 'unexpected', code: 1064 });
  }
}

let server: FakeServer;
let conn: ResolvedConnection;
const queries: string[] = [];

beforeAll(async () => {
  server = mysql.createServer();
  let id = 0;
  server.on('connection', (c) => {
    c.on('error', () => {});
    c.serverHandshake({
      protocolVersion: 10, serverVersion: '8.0.36-fake', connectionId: ++id, statusFlags: 2,
      characterSet: 8, capabilityFlags: 0xffffff, authCallback: (_p: unknown, cb: (e: null) => void) => {
        c.sequenceId = 2;
        cb(null);
        c.sequenceId = 0;
      },
    });
    open.add(c);
    c.on('query', (sql) => {
      queries.push(sql);
      c.sequenceId = 1;
      answer(c, sql);
      c.sequenceId = 0;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  conn = {
    family: 'mysql', host: '127.0.0.1', port: server._server.address().port, user: 'lab', password: 'pw-not-echoed',
    database: 'lab', tls: false, connectTimeoutMs: 2000,
  };
});
afterAll(() => {
  server?.close();
});

describe('a MySQL session', () => {
  it('returns rows as plain objects and names the instance and its role', async () => {
    instanceId = 'lab-instance-2';
    const { queryRole } = await import('../../src/sql/session.js');
    await using s = await openSession(conn);
    expect(await queryRole(s)).toEqual({ instanceId: 'lab-instance-2', isReader: true });
  });

  it('sends ? parameters escaped by the client and reports affected rows', async () => {
    await using s = await openSession(conn);
    const r = await s.query('update t set a = ? where b = ?', [1, "o'k"]);
    expect(r).toEqual({ rows: [], rowCount: 2 });
    expect(queries.at(-1)).toBe("update t set a = 1 where b = 'o\\'k'");
  });

  it('gives the server error number as the code, with the read-only hint, and stays usable', async () => {
    await using s = await openSession(conn);
    const err = await s.query('insert into t values (1)').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).code).toBe('1290');
    expect((err as SqlError).outcomeUnknown).toBe(false);
    expect((err as SqlError).hint).toMatch(/reader/);
    expect((await s.query('update t set a = 1')).rowCount).toBe(2);
  });

  it('reports a dropped connection as lost with an unknown outcome, without crashing', async () => {
    const s = await openSession(conn);
    const err = await s.query('kill me').catch((e: unknown) => e);
    expect((err as SqlError).code).toBe('CONNECTION_LOST');
    expect((err as SqlError).outcomeUnknown).toBe(true);
    const next = await s.query('update t set a = 1').catch((e: unknown) => e);
    expect((next as SqlError).outcomeUnknown).toBe(false);
    await s.close();
  });

  it('reports a refused connection without the password', async () => {
    const err = await openSession({ ...conn, port: 1 }).catch((e: unknown) => e);
    expect((err as SqlError).code).toBe('ECONNREFUSED');
    expect((err as SqlError).phase).toBe('connect');
    expect((err as SqlError).message).not.toContain('pw-not-echoed');
  });
});

describe('the failover probe on MySQL', () => {
  it('tags writes with the instance found on each connect and loses no acknowledged write across a switch', async () => {
    instanceId = 'db-1';
    const probe = await startProbe({ write: conn, read: conn, intervalMs: 20, runId: 'my-run' });
    let tl: Timeline;
    try {
      await sleep(300);
      // A failover as the clients see it: every connection dropped, another instance answers.
      instanceId = 'db-2';
      for (const c of open) c.stream.destroy();
      open.clear();
      await sleep(300);
    } finally {
      tl = await probe.stop();
    }
    const report = analyzeTimeline(tl);
    expect(report.writersSeen).toEqual(['db-1', 'db-2']);
    expect(report.readersSeen).toEqual(['db-1', 'db-2']);
    expect(report.writeReconnects).toBeGreaterThanOrEqual(1);
    expect(report.acknowledgedWrites).toBeGreaterThan(2);
    await using s = await openSession(conn);
    const v = await verifyAcknowledgedWrites(s, tl);
    expect(v.lost).toEqual([]);
    expect(v.found).toBe(report.acknowledgedWrites);
  });
});
