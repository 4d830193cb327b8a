import { describe, expect, it } from 'vitest';
import { openSession } from '../../src/sql/session.js';
import { isReadOnlyError, redact, SqlError, toSqlError, type ErrorContext } from '../../src/sql/sql-error.js';

const pgCtx: ErrorContext = { family: 'postgres', host: 'db.example', port: 5432, secrets: ['s3cret-pw', undefined] };
const myCtx: ErrorContext = { family: 'mysql', host: 'db.example', port: 3306, secrets: ['s3cret-pw'] };

describe('redact', () => {
  it('removes given secrets, SigV4 signatures and password pairs', () => {
    const token = 'db.example:5432/?Action=connect&DBUser=u&X-Amz-Credential=AKID%2F20250101%2Fus-east-1%2Frds-db%2Faws4_request&X-Amz-Signature=abcdef0123';
    const out = redact(`bad s3cret-pw and ${token} and password=hunter2, "password": "x y"`, ['s3cret-pw']);
    expect(out).not.toContain('s3cret-pw');
    expect(out).not.toContain('abcdef0123');
    expect(out).not.toContain('AKID');
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('"x y"');
  });

  it("keeps MySQL's harmless (using password: YES)", () => {
    expect(redact("Access denied for user 'u'@'h' (using password: YES)", [])).toContain('using password: YES');
  });
});

describe('toSqlError', () => {
  it('keeps the SQLSTATE of a PostgreSQL server error', () => {
    const e = toSqlError({ message: 'relation "nope" does not exist', code: '42P01', severity: 'ERROR' }, pgCtx, 'query');
    expect(e).toBeInstanceOf(SqlError);
    expect(e.code).toBe('42P01');
    expect(e.outcomeUnknown).toBe(false);
  });

  it('gives the MySQL error number as a string, and Node codes for network errors', () => {
    expect(toSqlError({ message: 'read only', errno: 1290, sqlState: 'HY000', code: 'ER_OPTION_PREVENTS_STATEMENT' }, myCtx, 'query').code).toBe('1290');
    const refused = toSqlError({ message: 'connect ECONNREFUSED', errno: -111, code: 'ECONNREFUSED' }, myCtx, 'connect');
    expect(refused.code).toBe('ECONNREFUSED');
    expect(refused.hint).toMatch(/security group/);
    expect(toSqlError({ message: 'Connection lost', code: 'PROTOCOL_CONNECTION_LOST', fatal: true }, myCtx, 'query').code).toBe('CONNECTION_LOST');
  });

  it('names pg errors that have no code', () => {
    expect(toSqlError(new Error('Connection terminated due to connection timeout'), pgCtx, 'connect').code).toBe('CONNECT_TIMEOUT');
    expect(toSqlError(new Error('Connection terminated unexpectedly'), pgCtx, 'query').code).toBe('CONNECTION_LOST');
    expect(toSqlError(new Error('The server does not support SSL connections'), pgCtx, 'connect').code).toBe('TLS_UNSUPPORTED');
  });

  it('leaves the outcome of a sent statement open only when no answer came', () => {
    expect(toSqlError(new Error('Connection terminated unexpectedly'), pgCtx, 'query').outcomeUnknown).toBe(true);
    expect(toSqlError({ message: 'terminating connection due to administrator command', code: '57P01', severity: 'FATAL' }, pgCtx, 'query').outcomeUnknown).toBe(true);
    expect(toSqlError({ message: 'cannot execute INSERT in a read-only transaction', code: '25006', severity: 'ERROR' }, pgCtx, 'query').outcomeUnknown).toBe(false);
    expect(toSqlError({ message: 'dup', code: '23505', severity: 'ERROR' }, pgCtx, 'query').outcomeUnknown).toBe(false);
    expect(toSqlError({ message: 'broken pipe', code: 'EPIPE' }, pgCtx, 'query').outcomeUnknown).toBe(true);
    expect(toSqlError({ message: 'read only', errno: 1836, sqlState: 'HY000' }, myCtx, 'query').outcomeUnknown).toBe(false);
    expect(toSqlError({ message: 'shutdown', errno: 1053, sqlState: '08S01' }, myCtx, 'query').outcomeUnknown).toBe(true);
    expect(toSqlError(new Error('Connection terminated unexpectedly'), pgCtx, 'connect').outcomeUnknown).toBe(false);
  });

  it('recognises read-only errors of both engines', () => {
    for (const [ctx, err] of [
      [pgCtx, { message: 'ro', code: '25006', severity: 'ERROR' }],
      [myCtx, { message: 'ro', errno: 1290, sqlState: 'HY000' }],
      [myCtx, { message: 'ro', errno: 1836, sqlState: 'HY000' }],
    ] as const) {
      const e = toSqlError(err, ctx, 'query');
      expect(isReadOnlyError(e)).toBe(true);
      expect(e.hint).toMatch(/reader/);
    }
    expect(isReadOnlyError(toSqlError({ message: 'x', code: '42P01', severity: 'ERROR' }, pgCtx, 'query'))).toBe(false);
  });

  it('never puts the password in the message, the hint or the cause', () => {
    const e = toSqlError(
      Object.assign(new Error('password authentication failed: s3cret-pw'), { stack: 'Error: s3cret-pw\n at x', code: '28P01', severity: 'FATAL', hint: 'try s3cret-pw' }),
      pgCtx,
      'connect',
    );
    expect(e.code).toBe('28P01');
    const cause = e.cause as Error;
    for (const text of [e.message, e.hint ?? '', cause.message, cause.stack ?? '', JSON.stringify(e)]) {
      expect(text).not.toContain('s3cret-pw');
    }
  });
});

describe('openSession', () => {
  it('refuses to send an IAM token without TLS, before connecting', async () => {
    // Port 9 (discard) on loopback: if it tried to connect, the error would be a network one.
    const err = await openSession({
      family: 'postgres', host: '127.0.0.1', port: 9, user: 'u', database: 'd', iamToken: 'tok-secret', tls: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlError);
    expect((err as SqlError).code).toBe('IAM_REQUIRES_TLS');
    expect((err as SqlError).message).not.toContain('tok-secret');
  });

  it('refuses a clear-text token to any host off loopback even when clear text is allowed for loopback', async () => {
    for (const host of ['db.cluster-x.us-east-1.rds.amazonaws.com', '10.0.0.5', '128.0.0.1', '127.0.0.1.example.com']) {
      const err = await openSession({
        family: 'mysql', host, port: 9, user: 'u', database: 'd', iamToken: 'tok-secret', tls: false, clearTextTokenToLoopback: true,
      }).catch((e: unknown) => e);
      expect((err as SqlError).code, host).toBe('IAM_REQUIRES_TLS');
    }
  });

  it('offers a clear-text token to a loopback server when allowed, so the server can be seen refusing it', async () => {
    // Port 9 on loopback has no listener: a network error means the client did try to connect.
    const err = await openSession({
      family: 'postgres', host: '127.0.0.1', port: 9, user: 'u', database: 'd', iamToken: 'tok-secret', tls: false, clearTextTokenToLoopback: true,
    }).catch((e: unknown) => e);
    expect((err as SqlError).code).toBe('ECONNREFUSED');
    expect((err as SqlError).message).not.toContain('tok-secret');
  });
});
