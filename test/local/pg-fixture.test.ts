import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { startTestPostgres } from '../helpers/pg-fixture.js';

describe('the test PostgreSQL fixture', () => {
  test('gives a password-protected database reachable over TLS verified with its CA, and stop() ends it', async () => {
    const db = await startTestPostgres({ tls: true });
    try {
      const c = new pg.Client({ ...db, ssl: { ca: db.ca } });
      await c.connect();
      const { rows } = await c.query('SELECT current_user AS u, current_database() AS d, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      await c.end();
      expect(rows[0]).toEqual({ u: db.user, d: db.database, ssl: true });
      const wrong = new pg.Client({ ...db, password: 'not-it', ssl: { ca: db.ca } });
      await expect(wrong.connect()).rejects.toMatchObject({ code: '28P01' });
    } finally {
      await db.stop();
    }
    const after = new pg.Client({ ...db, ssl: { ca: db.ca }, connectionTimeoutMillis: 2000 });
    await expect(after.connect()).rejects.toThrow(/ECONNREFUSED/);
  });

  test('without tls it still accepts plain connections and returns no CA', async () => {
    const db = await startTestPostgres();
    try {
      expect(db.ca).toBeUndefined();
      const c = new pg.Client({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database });
      await c.connect();
      expect((await c.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
      await c.end();
    } finally {
      await db.stop();
    }
  });
});
