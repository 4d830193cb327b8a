import type { ClientConfig } from 'pg';
import { notSent, sessionClosed, SqlError, toSqlError, type ErrorContext } from './sql-error.js';
import { withAbort, withTimeout } from './timeout.js';
import type { QueryResult, ResolvedConnection, SessionOptions, SqlSession } from './types.js';

/** The pg client configuration for a connection (exported for tests; holds the secret). */
export function pgClientConfig(conn: ResolvedConnection): ClientConfig {
  const ssl = conn.tls
    ? {
        ca: conn.tls.ca,
        rejectUnauthorized: true,
        // Only set when given: an explicit undefined would hide pg's own choice.
        ...(conn.tls.servername ? { servername: conn.tls.servername } : {}),
      }
    : false;
  return {
    host: conn.host,
    port: conn.port,
    user: conn.user,
    database: conn.database,
    password: conn.iamToken ?? conn.password,
    ssl,
    connectionTimeoutMillis: conn.connectTimeoutMs ?? 5000,
    application_name: 'aurora-lab',
    keepAlive: true,
  };
}

export async function openPgSession(conn: ResolvedConnection, opts: SessionOptions = {}): Promise<SqlSession> {
  const { default: pg } = await import('pg');
  const ctx: ErrorContext = {
    family: 'postgres',
    host: conn.host,
    port: conn.port,
    secrets: [conn.password, conn.iamToken],
  };
  const client = new pg.Client(pgClientConfig(conn));
  let lost: SqlError | undefined;
  let closed = false;
  // Without a listener, an error on an idle connection (a failover, a server shutdown) is an
  // unhandled 'error' event and ends the process.
  client.on('error', (err: unknown) => {
    lost ??= toSqlError(err, ctx, 'query', false);
  });
  client.on('end', () => {
    lost ??= new SqlError(`PostgreSQL connection to ${conn.host}:${conn.port} ended [CONNECTION_LOST]`, {
      code: 'CONNECTION_LOST',
      family: 'postgres',
      phase: 'query',
    });
  });

  const destroy = (): void => {
    // pg has no public "destroy": end() waits for the server, which may be gone or unreachable.
    const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream;
    stream?.destroy();
  };

  try {
    await client.connect();
  } catch (err) {
    destroy();
    throw toSqlError(err, ctx, 'connect');
  }

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    if (lost) {
      destroy();
      return;
    }
    // A graceful end, bounded: a server that stopped answering must not hang the caller.
    await withTimeout(client.end(), 1000).catch(() => destroy());
  };

  return {
    family: 'postgres',
    async query(sql: string, params?: unknown[]): Promise<QueryResult> {
      if (closed) throw sessionClosed('postgres');
      if (lost) throw notSent(lost);
      try {
        const res = await withAbort(withTimeout(client.query(sql, params), opts.queryTimeoutMs, () => {
          destroy();
          return new SqlError(
            `PostgreSQL query on ${conn.host}:${conn.port} got no answer within ${opts.queryTimeoutMs} ms [QUERY_TIMEOUT]`,
            { code: 'QUERY_TIMEOUT', family: 'postgres', phase: 'query', outcomeUnknown: true },
          );
        }), opts.signal, () => {
          destroy();
          return new SqlError(`PostgreSQL query on ${conn.host}:${conn.port} interrupted [INTERRUPTED]`, { code: 'INTERRUPTED', family: 'postgres', phase: 'query', outcomeUnknown: true });
        });
        // Several statements in one string give one result each: keep the last, as psql shows.
        const last = (Array.isArray(res) ? res[res.length - 1] : res) as { rows: Record<string, unknown>[]; rowCount: number | null };
        return { rows: last.rows, rowCount: last.rowCount ?? last.rows.length };
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
