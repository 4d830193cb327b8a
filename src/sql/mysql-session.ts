import type { ConnectionOptions } from 'mysql2';
import { notSent, sessionClosed, SqlError, toSqlError, type ErrorContext } from './sql-error.js';
import { withAbort, withTimeout } from './timeout.js';
import type { QueryResult, ResolvedConnection, SessionOptions, SqlSession } from './types.js';

/**
 * The mysql2 options for a connection (exported for tests; holds the secret).
 *
 * IAM auth: Aurora MySQL asks for `mysql_clear_password` (auth switch) and expects the token as a
 * NUL-terminated string; mysql2 refuses that plugin unless one is given in `authPlugins`. The plugin
 * factory receives `{ connection, command }` and returns the function that answers the server's data.
 *
 * TLS: mysql2 checks the certificate chain by default but the host name only with `verifyIdentity`,
 * against `host` when it is a name (it ignores `servername`).
 */
export function mysqlConnectionOptions(conn: ResolvedConnection): ConnectionOptions {
  const token = conn.iamToken;
  return {
    host: conn.host,
    port: conn.port,
    user: conn.user,
    database: conn.database,
    password: token ?? conn.password,
    ...(conn.tls ? { ssl: { ca: conn.tls.ca, rejectUnauthorized: true, verifyIdentity: true } } : {}),
    ...(token
      ? { authPlugins: { mysql_clear_password: () => () => Buffer.from(`${token}\0`, 'utf8') } }
      : {}),
    connectTimeout: conn.connectTimeoutMs ?? 5000,
    // MySQL 8.0 types COUNT(*), integer literals and integer system variables (@@innodb_read_only) as
    // BIGINT, and a lab's JMESPath `==` is type-strict: a BIGINT is a number wherever a double holds it
    // exactly (a safe integer) and a string only beyond, so nothing is ever rounded. TINYINT(1) is a
    // number (0/1), as MySQL sends it. DECIMAL stays the exact text MySQL sends ("1.50"): a double
    // cannot hold most decimal fractions, and a column whose JS type changed with its value (1 a number,
    // 1.5 a string) would be worse than one that is always text; cast in SQL to compare it as a number.
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: false,
    multipleStatements: false,
    enableKeepAlive: true,
  };
}

/**
 * Uses mysql2's core connection with our own promise wrapper rather than mysql2/promise's
 * createConnection, which listens for 'error' only once: a second error during a failed connect would
 * be unhandled and end the process. Here a permanent listener is attached before connecting.
 */
export async function openMysqlSession(conn: ResolvedConnection, opts: SessionOptions = {}): Promise<SqlSession> {
  const mysql = (await import('mysql2')).default;
  const ctx: ErrorContext = {
    family: 'mysql',
    host: conn.host,
    port: conn.port,
    secrets: [conn.password, conn.iamToken],
  };
  const connection = mysql.createConnection(mysqlConnectionOptions(conn));
  let lost: SqlError | undefined;
  let closed = false;
  let connected = false;
  connection.on('error', (err: unknown) => {
    if (connected) lost ??= toSqlError(err, ctx, 'query', false);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      connection.connect((err: unknown) => (err ? reject(err) : resolve()));
    });
    connected = true;
  } catch (err) {
    connection.destroy();
    throw toSqlError(err, ctx, 'connect');
  }
  connection.on('end', () => {
    lost ??= new SqlError(`MySQL connection to ${conn.host}:${conn.port} ended [CONNECTION_LOST]`, {
      code: 'CONNECTION_LOST',
      family: 'mysql',
      phase: 'query',
    });
  });

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (lost) {
      connection.destroy();
      return;
    }
    const ended = new Promise<void>((resolve, reject) => connection.end((err) => (err ? reject(err) : resolve())));
    await withTimeout(ended, 1000).catch(() => connection.destroy());
  };

  return {
    family: 'mysql',
    async query(sql: string, params?: unknown[]): Promise<QueryResult> {
      if (closed) throw sessionClosed('mysql');
      if (lost) throw notSent(lost);
      const pending = new Promise<unknown>((resolve, reject) => {
        connection.query({ sql, values: params }, (err: unknown, result: unknown) => (err ? reject(err) : resolve(result)));
      });
      try {
        const result = await withAbort(withTimeout(pending, opts.queryTimeoutMs, () => {
          connection.destroy();
          return new SqlError(
            `MySQL query on ${conn.host}:${conn.port} got no answer within ${opts.queryTimeoutMs} ms [QUERY_TIMEOUT]`,
            { code: 'QUERY_TIMEOUT', family: 'mysql', phase: 'query', outcomeUnknown: true },
          );
        }), opts.signal, () => {
          connection.destroy();
          return new SqlError(`MySQL query on ${conn.host}:${conn.port} interrupted [INTERRUPTED]`, { code: 'INTERRUPTED', family: 'mysql', phase: 'query', outcomeUnknown: true });
        });
        return normaliseMysqlResult(result);
      } catch (err) {
        const e = toSqlError(err, ctx, 'query');
        if (e.outcomeUnknown && !lost) lost = e;
        throw e;
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Rows as plain objects (mysql2 gives RowDataPacket instances); a write gives its affected rows. */
export function normaliseMysqlResult(result: unknown): QueryResult {
  if (Array.isArray(result)) {
    const rows = result.map((r) => ({ ...(r as Record<string, unknown>) }));
    return { rows, rowCount: rows.length };
  }
  const affected = (result as { affectedRows?: unknown } | null)?.affectedRows;
  return { rows: [], rowCount: typeof affected === 'number' ? affected : 0 };
}
