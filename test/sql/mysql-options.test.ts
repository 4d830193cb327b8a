import { describe, expect, it } from 'vitest';
import { mysqlConnectionOptions, normaliseMysqlResult } from '../../src/sql/mysql-session.js';
import { pgClientConfig } from '../../src/sql/pg-session.js';
import type { ResolvedConnection } from '../../src/sql/types.js';

const base: ResolvedConnection = {
  family: 'mysql', host: 'lab.cluster-x.us-east-1.rds.amazonaws.com', port: 3306, user: 'lab_user', database: 'lab',
  tls: { ca: '-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n' },
};

describe('mysql2 options', () => {
  it('answers the mysql_clear_password auth switch with the IAM token, NUL-terminated', async () => {
    const o = mysqlConnectionOptions({ ...base, iamToken: 'host:3306/?Action=connect&X-Amz-Signature=ab' });
    const plugin = o.authPlugins?.mysql_clear_password;
    expect(plugin).toBeTypeOf('function');
    // mysql2 calls the plugin with { connection, command }, then the returned function with the server's data.
    const answer = await plugin!({ connection: {} as never, command: 'auth' })(Buffer.alloc(0));
    expect(Buffer.isBuffer(answer)).toBe(true);
    expect((answer as Buffer).toString('utf8')).toBe('host:3306/?Action=connect&X-Amz-Signature=ab\0');
    expect(o.password).toBe('host:3306/?Action=connect&X-Amz-Signature=ab');
  });

  it('offers no clear-text plugin for password auth', () => {
    const o = mysqlConnectionOptions({ ...base, password: 'pw' });
    expect(o.authPlugins).toBeUndefined();
    expect(o.password).toBe('pw');
  });

  it('verifies the certificate chain and the host name against the CA bundle', () => {
    expect(mysqlConnectionOptions(base).ssl).toEqual({ ca: base.tls && base.tls.ca, rejectUnauthorized: true, verifyIdentity: true });
    expect(mysqlConnectionOptions({ ...base, tls: false }).ssl).toBeUndefined();
  });

  it('returns 64-bit integers as numbers where a double holds them exactly and uses the connect timeout (default 5 s)', () => {
    const o = mysqlConnectionOptions(base);
    expect(o).toMatchObject({ supportBigNumbers: true, bigNumberStrings: false, decimalNumbers: false, connectTimeout: 5000 });
    expect(mysqlConnectionOptions({ ...base, connectTimeoutMs: 800 }).connectTimeout).toBe(800);
  });

  it('normalises rows to plain objects and writes to affected rows', () => {
    class RowDataPacket { constructor(public a: number, public b: string) {} }
    const rows = normaliseMysqlResult([new RowDataPacket(1, 'x')]);
    expect(rows).toEqual({ rows: [{ a: 1, b: 'x' }], rowCount: 1 });
    expect(Object.getPrototypeOf(rows.rows[0])).toBe(Object.prototype);
    expect(normaliseMysqlResult({ affectedRows: 3, insertId: 0 })).toEqual({ rows: [], rowCount: 3 });
  });
});

describe('pg options', () => {
  it('verifies TLS against the CA and sends the IAM token as the password', () => {
    const c = pgClientConfig({ ...base, family: 'postgres', port: 5432, iamToken: 'tok', password: 'ignored' });
    expect(c.password).toBe('tok');
    expect(c.ssl).toEqual({ ca: base.tls && base.tls.ca, rejectUnauthorized: true });
    expect(c.connectionTimeoutMillis).toBe(5000);
  });

  it('passes a servername only when one is given', () => {
    const c = pgClientConfig({ ...base, family: 'postgres', host: '127.0.0.1', tls: { ca: 'x', servername: 'db.example' } });
    expect(c.ssl).toEqual({ ca: 'x', rejectUnauthorized: true, servername: 'db.example' });
    expect(pgClientConfig({ ...base, family: 'postgres', tls: false }).ssl).toBe(false);
  });
});
