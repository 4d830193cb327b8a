/**
 * The replication account on a writer that two replicas ask for at once (a cluster's two readers are
 * cloned together): the secret kept in the writer's directory is the one the account was made with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureReplicationUser, readSecret, REPL_USER } from '../../../src/local/engines/mysql/maria-repl-sql.js';
import { nativePasswordHash } from '../../../src/local/engines/mysql/maria-sql.js';
import { startTestMariadb, type TestMariadb } from '../../helpers/mariadb-fixture.js';

let db: TestMariadb;
const dirs: string[] = [];
beforeAll(async () => {
  db = await startTestMariadb();
});
afterAll(async () => {
  await db?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const root = () => mysql.createConnection({ socketPath: db.socketPath, user: 'root' });

describe('the replication account of a MariaDB writer', () => {
  it('is made with the secret the writer keeps, however many replicas ask for it at once', async () => {
    for (let round = 0; round < 5; round++) {
      const dir = mkdtempSync(join(tmpdir(), 'alab-repl-secret-'));
      dirs.push(dir);
      const admin = await root();
      await admin.query(`DROP USER IF EXISTS '${REPL_USER}'@'127.%'`);
      const conns = await Promise.all([root(), root(), root()]);
      // The first asker's CREATE USER reaches the server last, as it may when the machine is busy.
      const late = new Proxy(conns[0]!, {
        get(target, prop, receiver) {
          if (prop !== 'query') return Reflect.get(target, prop, receiver);
          return async (sql: string, ...rest: unknown[]) => {
            if (/^CREATE OR REPLACE USER/.test(sql)) await new Promise((r) => setTimeout(r, 150));
            return (target.query as (...a: unknown[]) => unknown)(sql, ...rest);
          };
        },
      });
      await Promise.all([late, ...conns.slice(1)].map((c) => ensureReplicationUser(c, dir)));
      const secret = readSecret(dir);
      expect(secret).toBeDefined();
      const [rows] = await admin.query<mysql.RowDataPacket[]>('SELECT authentication_string AS hash FROM mysql.user WHERE user = ? AND host = ?', [REPL_USER, '127.%']);
      expect(rows[0]?.hash).toBe(nativePasswordHash(secret!));
      for (const c of [admin, ...conns]) await c.end();
    }
  });
});
