import { AuroraLabError, ExitCode, type ErrorOptions } from '../errors.js';
import type { EngineFamily } from './types.js';

/**
 * What failed on a SQL connection, with the engine's own code: a PostgreSQL SQLSTATE ('25006',
 * '42P01'), a MySQL error number as a string ('1290'), or one of ours for failures that have no
 * server code: CONNECT_TIMEOUT, QUERY_TIMEOUT, CONNECTION_LOST, SESSION_CLOSED, TLS_UNSUPPORTED,
 * IAM_REQUIRES_TLS, or the Node code of a network or TLS error (ECONNREFUSED, SELF_SIGNED_CERT_IN_CHAIN...).
 *
 * Messages are built from the driver's message with every password, token and signature removed,
 * and never include the SQL text. The driver's error is not kept as `cause` (drivers can hang their
 * connection config off it); a scrubbed copy of its message and stack is.
 *
 * The exit code is the AWS one: the database is an AWS resource that said no or could not be reached.
 */
export class SqlError extends AuroraLabError {
  readonly code: string;
  readonly exitCode = ExitCode.aws;
  readonly family: EngineFamily;
  readonly phase: 'connect' | 'query';
  /**
   * True when the statement was sent and the answer never came (timeout, lost connection, server
   * shutdown): it may or may not have taken effect. False for connect failures and for errors the
   * server answered with (constraint violation, read-only, syntax): those statements did not happen.
   */
  readonly outcomeUnknown: boolean;

  constructor(
    message: string,
    options: ErrorOptions & {
      code: string;
      family: EngineFamily;
      phase: 'connect' | 'query';
      outcomeUnknown?: boolean;
    },
  ) {
    super(message, options);
    this.code = options.code;
    this.family = options.family;
    this.phase = options.phase;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }
}

/** Writes sent to a reader (or to a writer that has just been demoted by a failover). */
export function isReadOnlyError(err: unknown): boolean {
  return err instanceof SqlError && ['25006', '1290', '1836'].includes(err.code);
}

const MASK = '***';

/**
 * Removes secrets from text: the given values wherever they occur, SigV4 query parameters (an IAM
 * token is a presigned URL), and `password=...` style pairs.
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join(MASK);
  out = out.replace(/(X-Amz-(?:Signature|Security-Token|Credential)=)[^&\s"']+/gi, `$1${MASK}`);
  out = out.replace(
    /(password["']?\s*[:=]\s*)(?!YES\b|NO\b)("[^"]*"|'[^']*'|[^\s,;}&)]+)/gi,
    `$1${MASK}`,
  );
  return out;
}

// Codes after which a statement that was sent may still have committed.
const PG_UNCERTAIN_CLASSES = new Set(['08', '57', '58', 'XX']);
const MYSQL_UNCERTAIN_ERRNOS = new Set([
  '1053', '1152', '1153', '1154', '1155', '1156', '1157', '1158', '1159', '1160', '1161',
  '1927', '2006', '2013', '3169',
]);
const TLS_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'HANDSHAKE_SSL_ERROR',
  'TLS_UNSUPPORTED', 'HANDSHAKE_NO_SSL_SUPPORT',
]);
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'CONNECT_TIMEOUT',
]);

/** Whether an error answered by the server (or the network) leaves a sent statement's outcome open. */
export function leavesOutcomeUnknown(family: EngineFamily, code: string): boolean {
  if (/^[0-9A-Z]{5}$/.test(code) && family === 'postgres' && !code.startsWith('E')) {
    return PG_UNCERTAIN_CLASSES.has(code.slice(0, 2));
  }
  if (family === 'mysql' && /^\d+$/.test(code)) return MYSQL_UNCERTAIN_ERRNOS.has(code);
  // Timeouts, resets, lost connections, driver failures: nobody told us the statement failed.
  return true;
}

export function hintFor(code: string, where: string): string | undefined {
  if (['25006', '1290', '1836'].includes(code)) {
    return 'The session is on a read-only (reader) instance. Send writes to the cluster (writer) endpoint; after a failover, reconnect.';
  }
  if (['28P01', '28000', '1045'].includes(code)) {
    return 'Authentication failed. Check the user and password; with IAM auth the token must be fresh (15 minutes), the user granted rds_iam (PostgreSQL) or identified WITH AWSAuthenticationPlugin (MySQL), and the caller allowed rds-db:connect.';
  }
  if (code === '3D000' || code === '1049') return 'The database does not exist on this server.';
  if (TLS_CODES.has(code)) {
    return 'TLS verification failed. Use the RDS CA bundle (global-bundle.pem) and connect by the endpoint host name, not an IP address.';
  }
  if (UNREACHABLE_CODES.has(code)) {
    return `Cannot reach ${where}. Check that the instance is available, PubliclyAccessible, and that its security group admits your address (/32) on this port.`;
  }
  return undefined;
}

interface DriverErrorLike {
  message?: unknown;
  code?: unknown;
  errno?: unknown;
  sqlState?: unknown;
  severity?: unknown;
  stack?: unknown;
}

/** The engine code for a pg or mysql2 error (see SqlError for the vocabulary). */
export function driverErrorCode(family: EngineFamily, err: unknown): string {
  const e = (typeof err === 'object' && err !== null ? err : {}) as DriverErrorLike;
  const message = typeof e.message === 'string' ? e.message : '';
  if (family === 'postgres') {
    // A DatabaseError (the server answered) has a severity; its code is the SQLSTATE.
    if (typeof e.severity === 'string' && typeof e.code === 'string') return e.code;
    if (typeof e.code === 'string' && e.code !== '') return e.code;
    if (/connection timeout/i.test(message)) return 'CONNECT_TIMEOUT';
    if (/does not support SSL/i.test(message)) return 'TLS_UNSUPPORTED';
    if (/Connection terminated|Client has encountered a connection error|not queryable/i.test(message)) {
      return 'CONNECTION_LOST';
    }
    return 'SQL_DRIVER';
  }
  // mysql2: server errors carry a positive errno and a sqlState; Node's system errors carry a
  // negative errno, which is not a MySQL error number.
  if (typeof e.errno === 'number' && e.errno > 0 && typeof e.sqlState === 'string') return String(e.errno);
  if (e.code === 'PROTOCOL_CONNECTION_LOST' || e.code === 'EPIPE' || e.code === 'ECONNRESET') {
    return e.code === 'ECONNRESET' ? 'ECONNRESET' : 'CONNECTION_LOST';
  }
  if (e.code === 'PROTOCOL_SEQUENCE_TIMEOUT') return 'QUERY_TIMEOUT';
  if (e.code === 'ETIMEDOUT') return 'CONNECT_TIMEOUT';
  if (typeof e.code === 'string' && e.code !== '') return e.code;
  return 'SQL_DRIVER';
}

export interface ErrorContext {
  family: EngineFamily;
  host: string;
  port: number;
  secrets: ReadonlyArray<string | undefined>;
}

/** Turns a driver error into a SqlError with no secrets in it. */
export function toSqlError(
  err: unknown,
  ctx: ErrorContext,
  phase: 'connect' | 'query',
  sent = phase === 'query',
): SqlError {
  if (err instanceof SqlError) return err;
  const code = driverErrorCode(ctx.family, err);
  const e = (typeof err === 'object' && err !== null ? err : {}) as DriverErrorLike & { hint?: unknown };
  const raw = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  const where = `${ctx.host}:${ctx.port}`;
  const what = phase === 'connect' ? `connecting to ${where}` : `query on ${where}`;
  const message = `${ctx.family === 'postgres' ? 'PostgreSQL' : 'MySQL'} ${what} failed [${code}]: ${redact(raw, ctx.secrets)}`;
  const serverHint = typeof e.hint === 'string' ? redact(e.hint, ctx.secrets) : undefined;
  const cause = new Error(redact(raw, ctx.secrets));
  if (typeof e.stack === 'string') cause.stack = redact(e.stack, ctx.secrets);
  return new SqlError(message, {
    code,
    family: ctx.family,
    phase,
    outcomeUnknown: phase === 'query' && sent && leavesOutcomeUnknown(ctx.family, code),
    hint: hintFor(code, where) ?? serverHint,
    cause,
  });
}

/** The error for a statement on a session the caller already closed. */
export function sessionClosed(family: EngineFamily): SqlError {
  return new SqlError(`The ${family === 'postgres' ? 'PostgreSQL' : 'MySQL'} session is closed [SESSION_CLOSED]`, { code: 'SESSION_CLOSED', family, phase: 'query' });
}

/** The error for a statement refused because the connection was already lost: it was never sent. */
export function notSent(lost: SqlError): SqlError {
  return new SqlError(lost.message, {
    code: lost.code,
    family: lost.family,
    phase: 'query',
    outcomeUnknown: false,
    hint: lost.hint,
    cause: lost,
  });
}
