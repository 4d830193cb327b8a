/**
 * Performance Insights' StatementSource for MySQL (MariaDB here), read from performance_schema as
 * Aurora MySQL's PI does: finished statements' time from events_statements_summary_by_digest
 * (SUM_TIMER_WAIT, picoseconds, per schema and digest), running ones from events_statements_current.
 * db.sql_tokenized shows the digest text, as on Aurora.
 *
 * A running statement has no digest yet (the server computes it when the statement ends), so it is
 * booked under a provisional key (its schema and masked text) and settle() finds the digest it ended
 * with in events_statements_history. The local admin user's threads and the sampler's own are not
 * instrumented at all (setup_actors, threads.INSTRUMENTED), so their statements never reach the digests.
 * db.wait_event is the running statement's wait in events_waits_current (wait/io/table/sql/handler
 * while a scan reads rows through the storage engine), CPU when it waits on nothing instrumented.
 * Only table I/O and table-lock waits are instrumented (PERFORMANCE_SCHEMA_ARGS leaves no mutex,
 * rwlock, cond, file or socket classes, to save memory): a synchronization wait shows as CPU here.
 */
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { LocalTargetError } from '../../../errors.js';
import { ON_CPU, type RunningStatement, type SampledStatement, type StatementRead, type StatementSource, type WaitEvent } from '../../pi/statement-source.js';

/** mariadbd arguments PI needs: performance_schema is off by default and cannot be switched on later. */
export const PERFORMANCE_SCHEMA_ARGS: readonly string[] = [
  '--performance-schema=ON',
  '--performance-schema-consumer-statements-digest=ON',
  '--performance-schema-consumer-events-statements-current=ON',
  '--performance-schema-consumer-events-statements-history=ON',
  // PI reads statements only: the instruments of waits, stages, files and memory, the long histories
  // and the per-host and per-account summaries would roughly double mariadbd's memory for nothing.
  ...['mutex', 'rwlock', 'cond', 'file', 'socket', 'stage', 'memory'].map((c) => `--performance-schema-max-${c}-classes=0`),
  ...['statements', 'stages', 'waits', 'transactions'].map((e) => `--performance-schema-events-${e}-history-long-size=0`),
  '--performance-schema-max-file-instances=0',
  '--performance-schema-max-index-stat=0',
  '--performance-schema-max-table-lock-stat=0',
  '--performance-schema-hosts-size=0',
  '--performance-schema-accounts-size=0',
];

export interface MysqlStatementSourceOptions {
  /** Opens a superuser connection (see mysqlSocketConnector); called again after a failed read. */
  connect: () => Promise<Connection>;
  /** The local plane's admin user: its statements are set-up, not the workload's. */
  excludeUser: string;
}

/** A connect callback for the server's unix socket, as an OS user that unix_socket auth lets in. */
export function mysqlSocketConnector(socketPath: () => string, user: string): () => Promise<Connection> {
  return async () => {
    const { default: mysql } = await import('mysql2/promise');
    const c = await mysql.createConnection({ socketPath: socketPath(), user, connectTimeout: 3000 });
    // A server stopping under a long-lived connection: the next awaited query fails and says so.
    c.on('error', () => undefined);
    return c;
  };
}

const PS = 'performance_schema';
const CONSUMERS = ['global_instrumentation', 'thread_instrumentation', 'statements_digest', 'events_statements_current', 'events_statements_history', 'events_waits_current'];
/** The waits left instrumented (PERFORMANCE_SCHEMA_ARGS leaves no mutex, file or socket classes): table I/O and table locks. */
const WAIT_INSTRUMENTS = ['wait/io/table/%', 'wait/lock/table/%'];

const COUNTERS_SQL = `SELECT SCHEMA_NAME AS db, DIGEST AS digest, SUM_TIMER_WAIT / 1000000000 AS ms
  FROM ${PS}.events_statements_summary_by_digest WHERE DIGEST IS NOT NULL`;
const RUNNING_SQL = `SELECT s.THREAD_ID AS thread, s.EVENT_ID AS event, s.TIMER_WAIT / 1000000000 AS ms, s.CURRENT_SCHEMA AS db,
    s.SQL_TEXT AS text, t.PROCESSLIST_USER AS user,
    (SELECT w.EVENT_NAME FROM ${PS}.events_waits_current w WHERE w.THREAD_ID = s.THREAD_ID AND w.END_EVENT_ID IS NULL
      ORDER BY w.EVENT_ID DESC LIMIT 1) AS wait
  FROM ${PS}.events_statements_current s JOIN ${PS}.threads t ON t.THREAD_ID = s.THREAD_ID
  WHERE s.END_EVENT_ID IS NULL AND s.NESTING_EVENT_ID IS NULL AND t.TYPE = 'FOREGROUND'
    AND t.PROCESSLIST_ID <> CONNECTION_ID() AND t.PROCESSLIST_USER <> ?`;

export function mysqlStatementSource(opts: MysqlStatementSourceOptions): StatementSource {
  let conn: Connection | undefined;
  const rows = async <T>(sql: string, values: unknown[] = []): Promise<T[]> => {
    conn ??= await prepare(await opts.connect(), opts.excludeUser);
    const [r] = await conn.query<RowDataPacket[]>(sql, values);
    return r as T[];
  };
  return {
    async read(): Promise<StatementRead> {
      const counters = new Map<string, number>();
      for (const r of await rows<{ db: string | null; digest: string; ms: string }>(COUNTERS_SQL)) counters.set(keyOf(r.db, r.digest), Number(r.ms));
      const current = await rows<{ thread: number; event: number; ms: string; db: string | null; text: string | null; user: string | null; wait: string | null }>(RUNNING_SQL, [opts.excludeUser]);
      const nowMs = Date.now();
      const running = current.map((r): RunningStatement => {
        const masked = r.text === null ? undefined : maskLiterals(r.text);
        const key = `pending:${r.db ?? ''}:${masked ?? '(no text)'}`;
        const provisional: SampledStatement | undefined = masked === undefined
          ? undefined
          : { key, queryId: key, dbId: r.db ?? '', dbName: r.db ?? '', userName: r.user ?? '', text: masked };
        return { exec: `${r.thread}:${r.event}`, key, pending: true, startedMs: nowMs - Number(r.ms), wait: waitOf(r.wait), ...(provisional ? { provisional } : {}) };
      });
      return { counters, running, nowMs };
    },

    async describe(keys) {
      const digests = [...new Set(keys.map((k) => k.slice(k.lastIndexOf(':') + 1)))];
      const texts = await rows<{ db: string | null; digest: string; text: string | null }>(
        `SELECT SCHEMA_NAME AS db, DIGEST AS digest, DIGEST_TEXT AS text FROM ${PS}.events_statements_summary_by_digest WHERE DIGEST IN (?)`, [digests]);
      // The digest table has no user: the threads that ran it lately (and are still connected) say who.
      const users = await rows<{ digest: string; user: string | null }>(
        `SELECT DISTINCT h.DIGEST AS digest, t.PROCESSLIST_USER AS user
          FROM (SELECT THREAD_ID, DIGEST FROM ${PS}.events_statements_history UNION ALL SELECT THREAD_ID, DIGEST FROM ${PS}.events_statements_current) h
          JOIN ${PS}.threads t ON t.THREAD_ID = h.THREAD_ID WHERE h.DIGEST IN (?)`, [digests]);
      const userOf = new Map(users.filter((u) => u.user !== null).map((u) => [u.digest, u.user!]));
      const wanted = new Set(keys);
      const statements = texts
        .map((r): SampledStatement => ({
          key: keyOf(r.db, r.digest), queryId: r.digest, dbId: r.db ?? '', dbName: r.db ?? '', userName: userOf.get(r.digest) ?? '', text: (r.text ?? '').trim(),
        }))
        .filter((s) => wanted.has(s.key));
      return { statements, ignored: [] };
    },

    async settle(execs) {
      const pairs = execs.map((e) => e.split(':').map(Number)).filter((p) => p.length === 2 && p.every(Number.isSafeInteger));
      if (pairs.length === 0) return new Map();
      const list = pairs.map(([t, e]) => `(${t},${e})`).join(',');
      const found = await rows<{ thread: number; event: number; db: string | null; digest: string }>(
        `SELECT THREAD_ID AS thread, EVENT_ID AS event, CURRENT_SCHEMA AS db, DIGEST AS digest FROM (
            SELECT THREAD_ID, EVENT_ID, CURRENT_SCHEMA, DIGEST FROM ${PS}.events_statements_history
            UNION ALL SELECT THREAD_ID, EVENT_ID, CURRENT_SCHEMA, DIGEST FROM ${PS}.events_statements_current WHERE END_EVENT_ID IS NOT NULL) e
          WHERE DIGEST IS NOT NULL AND (THREAD_ID, EVENT_ID) IN (${list})`);
      return new Map(found.map((r) => [`${r.thread}:${r.event}`, keyOf(r.db, r.digest)]));
    },

    async close() {
      const c = conn;
      conn = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

/** Check performance_schema is on, switch on what PI reads, and keep the admin's and our own statements out of it. */
async function prepare(c: Connection, excludeUser: string): Promise<Connection> {
  try {
    const [on] = await c.query<RowDataPacket[]>('SELECT @@performance_schema AS ps');
    if (Number(on[0]?.ps) !== 1) {
      throw new LocalTargetError('Performance Insights cannot sample this MySQL instance: its server runs without performance_schema.', {
        code: 'LOCAL_PI_NO_PERFORMANCE_SCHEMA',
        hint: 'start mariadbd with PERFORMANCE_SCHEMA_ARGS (engines/mysql/pi-statements.ts): performance_schema can only be switched on at start-up',
      });
    }
    await c.query(`UPDATE ${PS}.setup_consumers SET ENABLED = 'YES' WHERE NAME IN (?)`, [CONSUMERS]);
    await c.query(`UPDATE ${PS}.setup_instruments SET ENABLED = 'YES', TIMED = 'YES' WHERE ${WAIT_INSTRUMENTS.map(() => 'NAME LIKE ?').join(' OR ')}`, WAIT_INSTRUMENTS);
    await c.query(`UPDATE ${PS}.threads SET INSTRUMENTED = 'NO' WHERE PROCESSLIST_ID = CONNECTION_ID() OR PROCESSLIST_USER = ?`, [excludeUser]);
    // Threads the admin user opens from now on are not instrumented either (the most specific row wins).
    await c.query(`INSERT INTO ${PS}.setup_actors (HOST, USER, ROLE, ENABLED, HISTORY) VALUES ('%', ?, '%', 'NO', 'NO')`, [excludeUser]).catch((err: { code?: string }) => {
      if (err.code !== 'ER_DUP_ENTRY' && err.code !== 'ER_DUP_KEY') throw err;
    });
    return c;
  } catch (err) {
    await c.end().catch(() => undefined);
    throw err;
  }
}

/** wait/io/table/sql/handler is PI's name for it, with its class (io) as the type; no wait in progress: CPU. */
function waitOf(event: string | null): WaitEvent {
  if (!event) return ON_CPU;
  return { type: event.split('/')[1] ?? event, name: event };
}

function keyOf(db: string | null, digest: string): string {
  return `${db ?? ''}:${digest}`;
}

/** The text as sent with its literals masked, a name until the digest text replaces it. */
function maskLiterals(sql: string): string {
  return sql
    .replace(/'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"/g, '?')
    .replace(/(?<![\w$`])\d+(\.\d+)?\b/g, '?')
    .trim();
}
