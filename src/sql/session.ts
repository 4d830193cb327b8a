import { SqlError } from './sql-error.js';
import type { EngineFamily, ResolvedConnection, SessionOptions, SqlSession } from './types.js';

export type { EngineFamily, QueryResult, ResolvedConnection, SessionOptions, SqlSession } from './types.js';
export { SqlError, isReadOnlyError } from './sql-error.js';

/**
 * Opens one connection (no pool: a lab wants to see exactly which server it is talking to, and a
 * pool hides reconnects). The driver is loaded on first use so that `--help` and `list` never load it.
 * Rejects with SqlError (phase 'connect').
 */
export async function openSession(conn: ResolvedConnection, opts: SessionOptions = {}): Promise<SqlSession> {
  if (conn.iamToken && !conn.tls && !(conn.clearTextTokenToLoopback && isLoopback(conn.host))) {
    // Aurora refuses IAM tokens without TLS; sending one in clear text would also expose it.
    throw new SqlError(`An IAM auth token needs TLS: refusing to send it to ${conn.host}:${conn.port} in clear text [IAM_REQUIRES_TLS]`, {
      code: 'IAM_REQUIRES_TLS',
      family: conn.family,
      phase: 'connect',
      hint: 'Give the connection a CA bundle (tls.ca), for RDS the global-bundle.pem.',
    });
  }
  if (conn.family === 'postgres') {
    const { openPgSession } = await import('./pg-session.js');
    return openPgSession(conn, opts);
  }
  const { openMysqlSession } = await import('./mysql-session.js');
  return openMysqlSession(conn, opts);
}

/** 127.0.0.0/8, ::1 and localhost: a token sent there never leaves the machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(host);
}

/** SQL that names the connected server and says whether it is a reader (Aurora only). */
export function roleQuery(family: EngineFamily): string {
  return family === 'postgres'
    ? 'select aurora_db_instance_identifier() as instance_id, pg_is_in_recovery() as is_reader'
    : 'select @@aurora_server_id as instance_id, @@innodb_read_only as is_reader';
}

export interface ServerRole {
  instanceId: string;
  isReader: boolean;
}

/** Which Aurora instance a session is on, and whether it is a reader. */
export async function queryRole(session: SqlSession): Promise<ServerRole> {
  const { rows } = await session.query(roleQuery(session.family));
  const row = rows[0] ?? {};
  return { instanceId: String(row.instance_id ?? ''), isReader: truthy(row.is_reader) };
}

/** pg gives booleans; MySQL gives 0/1 (as a number or, for big-number columns, a string) or 'ON'. */
export function truthy(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0;
  if (typeof v === 'string') return ['1', 'on', 'true', 't', 'yes'].includes(v.trim().toLowerCase());
  return false;
}
