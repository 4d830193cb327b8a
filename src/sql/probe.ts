import { performance } from 'node:perf_hooks';
import { UsageError } from '../errors.js';
import { DEFAULT_PROBE_TABLE, detectIdentityExpression, probeSql, validateTableName, type ProbeSql } from './probe-sql.js';
import { openSession } from './session.js';
import { isReadOnlyError, SqlError } from './sql-error.js';
import { acknowledgedSeqs, type OpEvent, type Timeline, type TimelineEvent } from './timeline.js';
import { sleep } from './timeout.js';
import type { ResolvedConnection, SqlSession } from './types.js';

export interface ProbeOptions {
  /** The writer (cluster endpoint). */
  write: ResolvedConnection;
  /** The reader endpoint; no reads are made without it. */
  read?: ResolvedConnection;
  /** Time between attempt starts on each connection, 1-100 ms. */
  intervalMs: number;
  table?: string;
  /** Tags every row, so several runs can share a table. At most 128 characters. */
  runId: string;
  /**
   * Limit on each connect and each statement (default 1000 ms): an outage must show up as failures
   * quickly, not as one attempt hanging for the driver's default.
   */
  opTimeoutMs?: number;
  /** Clock for the recorded times (default performance.now); scheduling always uses the real clock. */
  now?: () => number;
  /** Called with every timeline event as it happens; what it throws is ignored. */
  onEvent?: (e: TimelineEvent) => void;
}

export interface Probe {
  readonly runId: string;
  readonly table: string;
  /** The events so far (a copy). */
  events(): TimelineEvent[];
  /**
   * Resolves once the newest write attempt was acknowledged (by `writer`, when given), then keeps the
   * probe recording for `settleMs` so the timeline shows the return to steady state. Gives up after
   * `maxWaitMs` (or on `signal`) with recovered: false: the outage is then still open.
   */
  waitForRecovery(opts: RecoveryOptions): Promise<Recovery>;
  /** Stops both loops, waits for the attempts in flight, closes the connections. */
  stop(): Promise<Timeline>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface RecoveryOptions {
  /** The instance that must acknowledge (the new writer); any instance when absent. */
  writer?: string;
  maxWaitMs: number;
  settleMs: number;
  signal?: AbortSignal;
}

export interface Recovery {
  recovered: boolean;
  /** How long it waited for the acknowledgement (the settle period not included). */
  waitedMs: number;
}

type Target = 'write' | 'read';

interface Channel {
  target: Target;
  conn: ResolvedConnection;
  session?: SqlSession;
  everConnected: boolean;
  /** MySQL writes: the instance found when the connection was made. */
  instanceId?: string;
}

/**
 * The failover lab's workload. Each attempt uses a fresh sequence number, so a write retried after an
 * unknown outcome can never be confused with the first try, and the primary key (run_id, seq) makes
 * duplicates impossible. On any error the connection is dropped and the next attempt reconnects.
 * Errors never escape the loops: the sessions listen for 'error', and every attempt is caught.
 */
export async function startProbe(opts: ProbeOptions): Promise<Probe> {
  if (!(Number.isInteger(opts.intervalMs) && opts.intervalMs >= 1 && opts.intervalMs <= 100)) {
    throw new UsageError(`Probe interval must be a whole number of ms from 1 to 100, not ${opts.intervalMs}.`, {
      code: 'PROBE_INTERVAL',
    });
  }
  if (opts.runId.length === 0 || opts.runId.length > 128) {
    throw new UsageError('Probe runId must be 1 to 128 characters.', { code: 'PROBE_RUN_ID' });
  }
  const table = validateTableName(opts.table ?? DEFAULT_PROBE_TABLE);
  const family = opts.write.family;
  const opTimeoutMs = opts.opTimeoutMs ?? 1000;
  const now = opts.now ?? (() => performance.now());

  // Set-up uses the caller's connect timeout: the table must exist before the clock starts.
  let sql: ProbeSql;
  {
    await using setup = await openSession(opts.write, { queryTimeoutMs: 30_000 });
    const idExpr = await detectIdentityExpression(setup);
    sql = probeSql(family, table, idExpr);
    try {
      await setup.query(sql.createTable);
    } catch (err) {
      // A read-only endpoint about to become writable (a global secondary before a failover promotes it)
      // refuses CREATE TABLE even when the table is there: the probe can start once it is.
      if (!isReadOnlyError(err)) throw err;
      const { rows } = await setup.query(sql.tableExists);
      if (!truthyFlag(rows[0]?.present)) throw err;
    }
  }

  const startedAt = Date.now();
  const t0 = now();
  const rel = (): number => now() - t0;
  const events: TimelineEvent[] = [];
  let lastWrite: OpEvent | undefined;
  const writeWatchers = new Set<() => void>();
  const record = (e: TimelineEvent): void => {
    events.push(e);
    if (e.op === 'write') {
      // Write attempts are sequential on their one channel, so the last recorded is the newest.
      lastWrite = e;
      for (const watch of writeWatchers) watch();
    }
    try {
      opts.onEvent?.(e);
    } catch {
      // A listener's bug must not stop the measurement.
    }
  };
  let nextSeq = 1;
  const stopSignal = new AbortController();

  const fast = (conn: ResolvedConnection): ResolvedConnection => ({
    ...conn,
    connectTimeoutMs: Math.min(conn.connectTimeoutMs ?? opTimeoutMs, opTimeoutMs),
  });

  async function connect(ch: Channel): Promise<SqlSession> {
    const session = await openSession(fast(ch.conn), { queryTimeoutMs: opTimeoutMs });
    try {
      if (family === 'mysql' && ch.target === 'write') {
        const { rows } = await session.query(sql.identify);
        ch.instanceId = rows[0]?.instance_id == null ? undefined : String(rows[0].instance_id);
      }
    } catch (err) {
      await session.close();
      throw err;
    }
    if (ch.everConnected) record({ t: rel(), op: 'reconnect', target: ch.target });
    ch.everConnected = true;
    return session;
  }

  async function attempt(ch: Channel): Promise<void> {
    const t = rel();
    const seq = ch.target === 'write' ? nextSeq++ : undefined;
    let sent = false;
    try {
      ch.session ??= await connect(ch);
      sent = true;
      if (ch.target === 'write') {
        const { rows } = await ch.session.query(sql.insert, [opts.runId, seq, Date.now()]);
        const id = family === 'postgres' ? rows[0]?.instance_id : ch.instanceId;
        record({ t, op: 'write', ok: true, seq, ...idField(id), latencyMs: rel() - t });
      } else {
        const { rows } = await ch.session.query(sql.read, [opts.runId]);
        const maxSeq = rows[0]?.max_seq;
        record({
          t,
          op: 'read',
          ok: true,
          ...(maxSeq == null ? {} : { seq: Number(maxSeq) }),
          ...idField(rows[0]?.instance_id),
          latencyMs: rel() - t,
        });
      }
    } catch (err) {
      const session = ch.session;
      ch.session = undefined;
      // Not awaited: close() is bounded and never rejects, and the next attempt should not wait.
      void session?.close();
      const code = err instanceof SqlError ? err.code : 'PROBE_ERROR';
      const uncertain = ch.target === 'write' && sent && (err instanceof SqlError ? err.outcomeUnknown : true);
      const e: OpEvent = { t, op: ch.target, ok: false, ...(seq === undefined ? {} : { seq }), error: code, latencyMs: rel() - t };
      if (uncertain) e.uncertain = true;
      record(e);
    }
  }

  async function loop(ch: Channel): Promise<void> {
    let next = performance.now();
    while (!stopSignal.signal.aborted) {
      await attempt(ch);
      next += opts.intervalMs;
      const wait = next - performance.now();
      // Behind schedule (a slow attempt): start now rather than firing a burst to catch up.
      if (wait < 0) next = performance.now();
      await sleep(wait, stopSignal.signal);
    }
  }

  const channels: Channel[] = [{ target: 'write', conn: opts.write, everConnected: false }];
  if (opts.read) channels.push({ target: 'read', conn: opts.read, everConnected: false });
  const loops = channels.map((ch) => loop(ch));

  let stopped: Promise<Timeline> | undefined;
  const stop = (): Promise<Timeline> => {
    stopped ??= (async () => {
      stopSignal.abort();
      await Promise.all(loops);
      const durationMs = rel();
      await Promise.all(channels.map((ch) => ch.session?.close()));
      return {
        runId: opts.runId,
        family,
        table,
        intervalMs: opts.intervalMs,
        startedAt,
        durationMs,
        events: [...events].sort((a, b) => a.t - b.t),
      };
    })();
    return stopped;
  };

  const waitForRecovery = async (r: RecoveryOptions): Promise<Recovery> => {
    const began = performance.now();
    const met = (): boolean => lastWrite?.ok === true && (r.writer === undefined || lastWrite.instanceId === r.writer);
    const recovered = await new Promise<boolean>((resolve) => {
      if (met()) return resolve(true);
      if (stopSignal.signal.aborted || r.signal?.aborted) return resolve(false);
      const done = (value: boolean): void => {
        clearTimeout(timer);
        writeWatchers.delete(watch);
        r.signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const watch = (): void => {
        if (met()) done(true);
      };
      const onAbort = (): void => done(false);
      const timer = setTimeout(() => done(false), Math.max(0, r.maxWaitMs));
      writeWatchers.add(watch);
      r.signal?.addEventListener('abort', onAbort, { once: true });
    });
    const waitedMs = performance.now() - began;
    if (recovered) await sleep(r.settleMs, r.signal);
    return { recovered, waitedMs };
  };

  return {
    runId: opts.runId,
    table,
    events: () => [...events],
    waitForRecovery,
    stop,
    async [Symbol.asyncDispose]() {
      await stop();
    },
  };
}

/** PostgreSQL answers a boolean, MySQL 0/1 (as a number or, with bigNumberStrings, a string). */
function truthyFlag(v: unknown): boolean {
  return v === true || v === 1 || v === '1';
}

function idField(v: unknown): { instanceId?: string } {
  return v == null || v === '' ? {} : { instanceId: String(v) };
}

export interface WriteVerification {
  acknowledged: number;
  found: number;
  /** Acknowledged seqs missing from the table, ascending. Must be empty. */
  lost: number[];
  /** Writes whose outcome was unknown and that did commit (informative: either way is correct). */
  unknownCommitted: number;
}

/**
 * Reads back the run's rows and checks that every acknowledged write is there. Use a session on the
 * writer (after a failover, the new one): a reader may lag.
 */
export async function verifyAcknowledgedWrites(
  session: SqlSession,
  tl: Timeline,
  table: string = tl.table,
): Promise<WriteVerification> {
  const sql = probeSql(tl.family, table, 'null');
  const { rows } = await session.query(sql.selectSeqs, [tl.runId]);
  const present = new Set(rows.map((r) => Number(r.seq)));
  const acked = [...new Set(acknowledgedSeqs(tl))];
  const lost = acked.filter((s) => !present.has(s)).sort((a, b) => a - b);
  const unknownCommitted = tl.events.filter(
    (e) => e.op === 'write' && e.uncertain && e.seq !== undefined && present.has(e.seq),
  ).length;
  return { acknowledged: acked.length, found: acked.length - lost.length, lost, unknownCommitted };
}
