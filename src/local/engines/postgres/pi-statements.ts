/**
 * Performance Insights' StatementSource for PostgreSQL: finished statements' time from
 * pg_stat_statements (total_exec_time per database, user and queryid), running ones from
 * pg_stat_activity (by query_id, which is the queryid pg_stat_statements will count them under).
 * The sampler's own SQL carries a mark and the local admin role is excluded, so neither is load.
 * db.wait_event is pg_stat_activity's wait_event_type / wait_event of each active session at the read
 * (IO:DataFileRead, Lock:transactionid ...); an active session with no wait event is on CPU, as PI shows it.
 */
import type pg from 'pg';
import { ON_CPU, type RunningStatement, type SampledStatement, type StatementRead, type StatementSource, type WaitEvent } from '../../pi/statement-source.js';
import { openAdminClient, type SocketAddress } from './admin-sql.js';

export interface PgStatementSourceOptions {
  /** Read again on every connection: a rebooted or re-pointed server keeps its socket, but need not. */
  socket: () => SocketAddress;
  /** The local admin role (set-up SQL); its statements are not the workload's. */
  excludeUser: string;
}

/** Prefixed to the sampler's own SQL so its statements can be told apart whoever it connects as. */
const MARK = '/* aurora-lab pi sampler */';

const STATEMENTS_SQL = `${MARK} SELECT s.queryid::text AS queryid, s.dbid::int AS dbid, s.userid::int AS userid, s.total_exec_time AS ms
  FROM pg_stat_statements(false) s WHERE s.queryid IS NOT NULL`;
const TEXTS_SQL = `${MARK} SELECT s.queryid::text AS queryid, s.dbid::int AS dbid, s.userid::int AS userid, s.query,
    d.datname, r.rolname
  FROM pg_stat_statements(true) s LEFT JOIN pg_database d ON d.oid = s.dbid LEFT JOIN pg_roles r ON r.oid = s.userid
  WHERE s.queryid::text = ANY($1::text[])`;
const ACTIVITY_SQL = `${MARK} SELECT a.pid, a.query_id::text AS queryid, a.datid::int AS dbid, a.usesysid::int AS userid,
    a.query, a.datname, a.usename, a.wait_event_type, a.wait_event,
    extract(epoch FROM a.query_start) * 1000 AS started, extract(epoch FROM clock_timestamp()) * 1000 AS now
  FROM pg_stat_activity a
  WHERE a.state = 'active' AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid() AND a.query_id IS NOT NULL
    AND a.usename IS DISTINCT FROM $1`;

type ActivityRow = {
  pid: number;
  queryid: string;
  dbid: number;
  userid: number;
  query: string | null;
  datname: string | null;
  usename: string | null;
  wait_event_type: string | null;
  wait_event: string | null;
  started: string;
  now: string;
};

export function pgStatementSource(opts: PgStatementSourceOptions): StatementSource {
  let client: pg.Client | undefined;
  const connection = async () => {
    client ??= await openAdminClient(opts.socket(), { applicationName: 'aurora-lab-pi', connectTimeoutMs: 3000 });
    return client;
  };
  return {
    async read(): Promise<StatementRead> {
      const c = await connection();
      const counters = await c.query<{ queryid: string; dbid: number; userid: number; ms: number }>(STATEMENTS_SQL);
      const activity = await c.query<ActivityRow>(ACTIVITY_SQL, [opts.excludeUser]);
      const map = new Map<string, number>();
      for (const r of counters.rows) map.set(keyOf(r), Number(r.ms));
      const running: RunningStatement[] = [];
      for (const a of activity.rows) {
        if (a.queryid === '0') continue;
        const started = Number(a.started);
        const key = keyOf(a);
        const text = provisionalText(a.query);
        running.push({
          exec: `${a.pid}:${started}`,
          key,
          startedMs: started,
          wait: waitOf(a),
          ...(text !== undefined
            ? { provisional: { key, queryId: a.queryid, dbId: a.dbid, dbName: a.datname ?? String(a.dbid), userName: a.usename ?? String(a.userid), text } }
            : {}),
        });
      }
      return { counters: map, running, nowMs: Number(activity.rows[0]?.now ?? Date.now()) };
    },
    async describe(keys) {
      const c = await connection();
      const ids = [...new Set(keys.map((k) => k.split(':')[2]!))];
      const r = await c.query<{ queryid: string; dbid: number; userid: number; query: string | null; datname: string | null; rolname: string | null }>(TEXTS_SQL, [ids]);
      const statements: SampledStatement[] = [];
      const ignored: string[] = [];
      for (const row of r.rows) {
        const key = keyOf(row);
        const text = row.query ?? '';
        if (text.startsWith(MARK) || row.rolname === opts.excludeUser) {
          ignored.push(key);
          continue;
        }
        statements.push({ key, queryId: row.queryid, dbId: row.dbid, dbName: row.datname ?? String(row.dbid), userName: row.rolname ?? String(row.userid), text });
      }
      return { statements, ignored };
    },
    async close() {
      const c = client;
      client = undefined;
      await c?.end().catch(() => undefined);
    },
  };
}

/**
 * pg_stat_activity has the text as sent, literals and all, and utility statements too (ALTER ROLE ...
 * PASSWORD): only statements pg_stat_statements tracks get a name from it, with literals masked, until
 * pg_stat_statements' normalized text replaces it. Others still count in the total load, unnamed.
 */
function provisionalText(query: string | null): string | undefined {
  if (!query || !/^\s*(select|insert|update|delete|with|values|table|merge)\b/i.test(query)) return undefined;
  return query
    .replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, '?')
    .replace(/(?<![\w$])(?:[EeBbXx]|[Uu]&)?'(?:[^']|'')*'/g, '?')
    .replace(/(?<![\w$])\d+(\.\d+)?\b/g, '?');
}

function waitOf(a: Pick<ActivityRow, 'wait_event_type' | 'wait_event'>): WaitEvent {
  return a.wait_event_type && a.wait_event ? { type: a.wait_event_type, name: `${a.wait_event_type}:${a.wait_event}` } : ON_CPU;
}

function keyOf(r: { dbid: number; userid: number; queryid: string }): string {
  return `${r.dbid}:${r.userid}:${r.queryid}`;
}
