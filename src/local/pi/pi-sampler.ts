/**
 * Performance Insights' sampling for one local instance: about once a second it reads
 * pg_stat_statements and keeps, per statement, the execution time spent in the interval. Time in ms
 * over the interval in ms is the statement's share of db.load.avg (average active sessions).
 *
 * pg_stat_statements counts a statement only when it ends, so a 20 s statement would land as 20 s in
 * one second. The sampler also reads pg_stat_activity and books a running statement's time in the
 * interval it was running (by query_id); when the statement's counter later grows, the time already
 * booked is taken off the growth, so every millisecond is counted once.
 */
import type pg from 'pg';
import { openAdminClient, type SocketAddress } from '../engines/postgres/admin-sql.js';

/** One statement as pg_stat_statements tells it apart: database, user and normalized text. */
export interface SampledStatement {
  key: string;
  queryId: string;
  dbId: number;
  dbName: string;
  userName: string;
  /** Normalized text ($1 for literals), as pg_stat_statements gives it. */
  text: string;
}

/** Execution time (ms) per statement key over [endMs - spanMs, endMs]. */
export interface PiSample {
  endMs: number;
  spanMs: number;
  load: Map<string, number>;
}

export interface PiSamplerOptions {
  instanceId: string;
  /** Read again on every connection: a rebooted or re-pointed server keeps its socket, but need not. */
  socket: () => SocketAddress;
  /** The local admin role (set-up SQL); its statements are not the workload's. */
  excludeUser: string;
  intervalMs?: number;
  retentionMs?: number;
  now?: () => number;
  /** Told about a failed read (the server restarting, the extension not replicated yet). */
  onError?: (err: unknown) => void;
}

/** Prefixed to the sampler's own SQL so its statements can be told apart whoever it connects as. */
const MARK = '/* aurora-lab pi sampler */';
/** A booked running time not matched by counter growth within this long is forgotten (a reset counter). */
const DEBT_TTL_MS = 60_000;

const STATEMENTS_SQL = `${MARK} SELECT s.queryid::text AS queryid, s.dbid::int AS dbid, s.userid::int AS userid, s.total_exec_time AS ms
  FROM pg_stat_statements(false) s WHERE s.queryid IS NOT NULL`;
const TEXTS_SQL = `${MARK} SELECT s.queryid::text AS queryid, s.dbid::int AS dbid, s.userid::int AS userid, s.query,
    d.datname, r.rolname
  FROM pg_stat_statements(true) s LEFT JOIN pg_database d ON d.oid = s.dbid LEFT JOIN pg_roles r ON r.oid = s.userid
  WHERE s.queryid::text = ANY($1::text[])`;
const ACTIVITY_SQL = `${MARK} SELECT a.pid, a.query_id::text AS queryid, a.datid::int AS dbid, a.usesysid::int AS userid,
    a.query, a.datname, a.usename,
    extract(epoch FROM a.query_start) * 1000 AS started, extract(epoch FROM clock_timestamp()) * 1000 AS now
  FROM pg_stat_activity a
  WHERE a.state = 'active' AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid() AND a.query_id IS NOT NULL
    AND a.usename IS DISTINCT FROM $1`;

interface Running {
  key: string;
  booked: number;
}

export class PiSampler {
  readonly instanceId: string;
  private readonly opts: Required<Omit<PiSamplerOptions, 'onError'>> & Pick<PiSamplerOptions, 'onError'>;
  private client?: pg.Client;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private ticking?: Promise<void>;
  private readonly history: PiSample[] = [];
  private readonly known = new Map<string, SampledStatement>();
  /** Known only from pg_stat_activity (still running the first time): the text as sent, until it ends. */
  private readonly provisional = new Set<string>();
  /** Reads run one at a time: the timer's and those asked for by refresh(). */
  private chain: Promise<void> = Promise.resolve();
  /** Keys that are the sampler's or the admin's own statements. */
  private readonly ignored = new Set<string>();
  /** total_exec_time per key at the last read; undefined until the first read (the baseline). */
  private counters?: Map<string, number>;
  private lastAt?: number;
  private lastServerNow?: number;
  private running = new Map<string, Running>();
  /** Running time already booked for executions that have ended, not yet matched by counter growth. */
  private debts: { key: string; ms: number; at: number }[] = [];

  constructor(options: PiSamplerOptions) {
    this.instanceId = options.instanceId;
    this.opts = { intervalMs: 1000, retentionMs: 3_600_000, now: Date.now, ...options };
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const loop = () => {
      this.ticking = this.refresh().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.opts.intervalMs).unref();
      });
    };
    this.timer = setTimeout(loop, 0).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking?.catch(() => undefined);
    await this.disconnect();
  }

  /** Samples of the last retention period, oldest first. */
  samples(): readonly PiSample[] {
    return this.history;
  }

  statement(key: string): SampledStatement | undefined {
    return this.known.get(key);
  }

  /** Read now (after any read in progress), so an answer includes statements that have just ended. */
  refresh(): Promise<void> {
    const run = this.chain.then(() => (this.stopped ? undefined : this.tick()));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** One read; the first only sets the baseline (statistics from before PI was on are not load). */
  private async tick(): Promise<void> {
    try {
      const c = await this.connection();
      const counters = await c.query<{ queryid: string; dbid: number; userid: number; ms: number }>(STATEMENTS_SQL);
      const activity = await c.query<ActivityRow>(ACTIVITY_SQL, [this.opts.excludeUser]);
      const now = this.opts.now();
      const current = new Map<string, number>();
      for (const r of counters.rows) current.set(keyOf(r), Number(r.ms));
      await this.learn(c, [...current.keys()].filter((k) => (!this.known.has(k) || this.provisional.has(k)) && !this.ignored.has(k)));
      const serverNow = Number(activity.rows[0]?.now ?? now);
      if (this.counters && this.lastAt !== undefined) {
        this.record(now, current, activity.rows, serverNow);
      } else {
        this.track(activity.rows, serverNow, undefined);
      }
      this.counters = current;
      this.lastAt = now;
      this.lastServerNow = serverNow;
    } catch (err) {
      this.opts.onError?.(err);
      await this.disconnect();
    }
  }

  private record(now: number, current: Map<string, number>, activity: ActivityRow[], serverNow: number): void {
    const load = new Map<string, number>();
    const add = (key: string, ms: number) => {
      if (ms > 0 && !this.ignored.has(key)) load.set(key, (load.get(key) ?? 0) + ms);
    };
    const ended = this.track(activity, serverNow, add);
    for (const e of ended) this.debts.push({ key: e.key, ms: e.booked, at: now });
    for (const [key, total] of current) {
      const before = this.counters!.get(key);
      // A counter that went down was reset (pg_stat_statements_reset, a crash): it counts from zero.
      let grown = before === undefined || total < before ? total : total - before;
      for (const d of this.debts) {
        if (d.key !== key || grown <= 0) continue;
        const paid = Math.min(d.ms, grown);
        d.ms -= paid;
        grown -= paid;
      }
      add(key, grown);
    }
    this.debts = this.debts.filter((d) => d.ms > 0.001 && now - d.at < DEBT_TTL_MS);
    this.history.push({ endMs: now, spanMs: now - this.lastAt!, load });
    const horizon = now - this.opts.retentionMs;
    while (this.history.length > 0 && this.history[0]!.endMs < horizon) this.history.shift();
  }

  /** Book running statements' time since the last read; returns the executions that have ended since. */
  private track(activity: ActivityRow[], serverNow: number, add: ((key: string, ms: number) => void) | undefined): Running[] {
    const next = new Map<string, Running>();
    for (const a of activity) {
      if (a.queryid === '0') continue;
      const started = Number(a.started);
      const exec = `${a.pid}:${started}`;
      const key = keyOf(a);
      const text = provisionalText(a.query);
      if (text !== undefined && !this.known.has(key) && !this.ignored.has(key)) {
        this.known.set(key, { key, queryId: a.queryid, dbId: a.dbid, dbName: a.datname ?? String(a.dbid), userName: a.usename ?? String(a.userid), text });
        this.provisional.add(key);
      }
      const run = this.running.get(exec) ?? { key, booked: 0 };
      if (add) {
        const from = Math.max(started, this.lastServerNow ?? serverNow);
        const ms = Math.max(0, serverNow - from);
        if (!this.ignored.has(key)) {
          add(key, ms);
          run.booked += ms;
        }
      }
      next.set(exec, run);
    }
    const ended = [...this.running].filter(([exec]) => !next.has(exec)).map(([, r]) => r);
    this.running = next;
    return ended;
  }

  private async learn(c: pg.Client, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const ids = [...new Set(keys.map((k) => k.split(':')[2]!))];
    const r = await c.query<{ queryid: string; dbid: number; userid: number; query: string | null; datname: string | null; rolname: string | null }>(TEXTS_SQL, [ids]);
    for (const row of r.rows) {
      const key = keyOf(row);
      const text = row.query ?? '';
      if (text.startsWith(MARK) || row.rolname === this.opts.excludeUser) {
        this.ignored.add(key);
        continue;
      }
      this.known.set(key, { key, queryId: row.queryid, dbId: row.dbid, dbName: row.datname ?? String(row.dbid), userName: row.rolname ?? String(row.userid), text });
      this.provisional.delete(key);
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = await openAdminClient(this.opts.socket(), { applicationName: 'aurora-lab-pi', connectTimeoutMs: 3000 });
    this.client = client;
    return client;
  }

  private async disconnect(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}

type ActivityRow = {
  pid: number;
  queryid: string;
  dbid: number;
  userid: number;
  query: string | null;
  datname: string | null;
  usename: string | null;
  started: string;
  now: string;
};

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

function keyOf(r: { dbid: number; userid: number; queryid: string }): string {
  return `${r.dbid}:${r.userid}:${r.queryid}`;
}
