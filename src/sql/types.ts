/**
 * The data-plane contract shared by the pg and mysql2 sessions, the probe and the labs.
 * Connections arrive fully resolved (host, credentials, CA bundle): finding them is the engine's job.
 */

export type EngineFamily = 'postgres' | 'mysql';

export interface ResolvedConnection {
  family: EngineFamily;
  host: string;
  port: number;
  user: string;
  database: string;
  /** Never logged, never put in an error message. */
  password?: string;
  /** An RDS IAM auth token, sent as the password. Requires TLS (the server refuses it otherwise). */
  iamToken?: string;
  /**
   * TLS is always verified (rejectUnauthorized) against `ca`. `servername` is the name the certificate
   * must match; pg uses it only when `host` is an IP address (it sends the host name as SNI otherwise).
   */
  tls: false | { ca: string; servername?: string };
  /** Default 5000. */
  connectTimeoutMs?: number;
  /**
   * Lets an IAM token go without TLS, and only to a loopback address (openSession checks the host
   * whatever this says): the local target's negative check that its server, not only this client,
   * refuses a clear-text login. Its tokens are signed with the local target's own fixed credentials.
   */
  clearTextTokenToLoopback?: boolean;
}

/**
 * Rows as plain objects keyed by column name, with the types the server sends and nothing rounded.
 * PostgreSQL (pg's defaults): bigint (count(*)) and numeric arrive as strings; the labs cast to int.
 * MySQL: BIGINT (count(*), integer literals, @@innodb_read_only in MySQL 8.0) and TINYINT(1) arrive as
 * numbers, a BIGINT beyond 2^53 as a string; DECIMAL (sum of ints, avg) always as its exact text.
 */
export interface QueryResult {
  rows: Record<string, unknown>[];
  /** Rows returned, or rows affected by an insert/update/delete. */
  rowCount: number;
}

export interface SqlSession {
  readonly family: EngineFamily;
  /**
   * Placeholders are the engine's own: `$1, $2` for PostgreSQL, `?` for MySQL.
   * Rejects with SqlError; the SQL text is never part of the error message (it may hold secrets).
   */
  query(sql: string, params?: unknown[]): Promise<QueryResult>;
  /** Idempotent; never rejects. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface SessionOptions {
  /**
   * Client-side limit on each query. When it passes, the connection is destroyed (the statement may
   * still complete on the server) and the query rejects with SqlError code QUERY_TIMEOUT, outcomeUnknown.
   * Default: none.
   */
  queryTimeoutMs?: number;
  /**
   * Ctrl-C: aborting it destroys the connection, and a query in flight rejects at once with SqlError
   * code INTERRUPTED, outcomeUnknown (the server may still finish the statement, unseen).
   */
  signal?: AbortSignal;
}
