/**
 * The JS types a MySQL result gets through our session, decided by mysql2's own text-protocol parsers
 * with our options: a protocol server in this process (mysql2's) sends columns typed as MySQL 8.0
 * types them, so the real parsers run; no MySQL server is needed.
 */
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import jmespath from 'jmespath';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession } from '../../src/sql/session.js';
import type { ResolvedConnection } from '../../src/sql/types.js';

const require = createRequire(import.meta.url);
const mysql = require('mysql2') as { createServer(): FakeServer; Types: Record<string, number> };

interface FakeConn {
  serverHandshake(args: Record<string, unknown>): void;
  on(event: 'query', cb: (sql: string) => void): void;
  on(event: 'error', cb: (err: unknown) => void): void;
  writeColumns(cols: unknown[]): void;
  writeTextRow(values: unknown[]): void;
  writeEof(): void;
  sequenceId: number;
}
interface FakeServer {
  listen(port: number, host: string, cb: () => void): void;
  on(event: 'connection', cb: (c: FakeConn) => void): void;
  close(): void;
  _server: { address(): AddressInfo };
}

const { LONGLONG, NEWDECIMAL, TINY } = mysql.Types as { LONGLONG: number; NEWDECIMAL: number; TINY: number };
const BINARY = 63;

/** Columns as MySQL 8.0 describes them: COUNT(*) is BIGINT(21), a TINYINT(1) has length 1. */
const COLUMNS: { name: string; columnType: number; columnLength: number; decimals?: number; value: string }[] = [
  { name: 'count_star', columnType: LONGLONG, columnLength: 21, value: '1' },
  { name: 'read_only', columnType: LONGLONG, columnLength: 1, value: '0' },
  { name: 'max_safe', columnType: LONGLONG, columnLength: 20, value: '9007199254740991' },
  { name: 'past_safe', columnType: LONGLONG, columnLength: 20, value: '9007199254740993' },
  { name: 'negative_past_safe', columnType: LONGLONG, columnLength: 20, value: '-9007199254740993' },
  { name: 'price', columnType: NEWDECIMAL, columnLength: 12, decimals: 2, value: '1.50' },
  { name: 'whole_decimal', columnType: NEWDECIMAL, columnLength: 11, decimals: 0, value: '101' },
  { name: 'flag', columnType: TINY, columnLength: 1, value: '1' },
];

let server: FakeServer;
let conn: ResolvedConnection;

beforeAll(async () => {
  server = mysql.createServer();
  server.on('connection', (c) => {
    c.on('error', () => {});
    c.serverHandshake({
      protocolVersion: 10, serverVersion: '8.0.36-fake', connectionId: 1, statusFlags: 2, characterSet: 8,
      capabilityFlags: 0xffffff,
      authCallback: (_p: unknown, cb: (e: null) => void) => {
        c.sequenceId = 2;
        cb(null);
        c.sequenceId = 0;
      },
    });
    c.on('query', () => {
      c.sequenceId = 1;
      c.writeColumns(COLUMNS.map((col) => ({
        catalog: 'def', schema: '', table: '', orgTable: '', name: col.name, orgName: col.name,
        characterSet: BINARY, columnLength: col.columnLength, columnType: col.columnType, flags: 0, decimals: col.decimals ?? 0,
      })));
      c.writeTextRow(COLUMNS.map((col) => col.value));
      c.writeEof();
      c.sequenceId = 0;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  conn = { family: 'mysql', host: '127.0.0.1', port: server._server.address().port, user: 'lab', password: 'pw', database: 'lab', tls: false };
});
afterAll(() => server?.close());

async function row(): Promise<Record<string, unknown>> {
  await using s = await openSession(conn);
  return (await s.query('select the typed row')).rows[0]!;
}

describe('MySQL result types', () => {
  it('gives a BIGINT that a double holds exactly as a number, so a lab can compare it with a JSON literal', async () => {
    const r = await row();
    expect(r.count_star).toBe(1);
    expect(r.read_only).toBe(0);
    expect(r.max_safe).toBe(Number.MAX_SAFE_INTEGER);
    expect(jmespath.search({ rows: [r] }, 'rows[0].count_star == `1` && rows[0].read_only == `0`')).toBe(true);
  });

  it('gives a BIGINT beyond 2^53 as its exact digits, never a rounded number', async () => {
    const r = await row();
    expect(r.past_safe).toBe('9007199254740993');
    expect(r.negative_past_safe).toBe('-9007199254740993');
  });

  it('gives a DECIMAL as the exact text MySQL sent, whole or not', async () => {
    const r = await row();
    expect(r.price).toBe('1.50');
    expect(r.whole_decimal).toBe('101');
  });

  it('gives a TINYINT(1) as the number MySQL sent, not a boolean', async () => {
    expect((await row()).flag).toBe(1);
  });
});
