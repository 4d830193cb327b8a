/**
 * The engine seam of Performance Insights: what the engine-neutral sampler (pi-sampler.ts) reads from
 * one instance's server on every tick. engines/postgres/pi-statements.ts reads pg_stat_statements and
 * pg_stat_activity; engines/mysql/pi-statements.ts reads performance_schema. The sampler does the
 * bookkeeping (intervals, booking running statements, debts, retention); a source only reads.
 */

/** One statement as the engine tells it apart (PostgreSQL: database, user, query id; MySQL: schema, digest). */
export interface SampledStatement {
  key: string;
  /** The engine's statement id: pg_stat_statements' queryid, performance_schema's DIGEST. */
  queryId: string;
  /** PostgreSQL: the database oid; MySQL: the schema name ('' for none). */
  dbId: number | string;
  dbName: string;
  /** '' when the engine does not say (a MySQL digest counts every user's executions together). */
  userName: string;
  /** The normalized text: pg_stat_statements' ($1 for literals) or MySQL's digest text. */
  text: string;
}

/** One statement execution in progress. */
export interface RunningStatement {
  /** Tells one execution apart from the next one of the same session. */
  exec: string;
  /**
   * The statement's key, or a provisional one while the engine does not know it yet (MySQL computes
   * a digest only when the statement ends): settle() then names the key it really had.
   */
  key: string;
  /** True while key is provisional. */
  pending?: boolean;
  /** When it started, on the same clock as StatementRead.nowMs. */
  startedMs: number;
  /** A name for a statement not seen finished yet (the text as sent, literals masked). */
  provisional?: SampledStatement;
  /**
   * What the session was waiting on at the read, as PI's db.wait_event names it (type CPU, name CPU
   * when the engine says it waits on nothing). Absent when the engine cannot tell.
   */
  wait?: WaitEvent;
}

/** One wait as PI names it: db.wait_event.type and db.wait_event.name. */
export interface WaitEvent {
  type: string;
  name: string;
}

/** What PI shows for an active session the engine reports as waiting on nothing: it is on CPU. */
export const ON_CPU: WaitEvent = { type: 'CPU', name: 'CPU' };

export interface StatementRead {
  /** Total execution time (ms) per statement key of every finished execution the engine still counts. */
  counters: Map<string, number>;
  running: RunningStatement[];
  /** The server's clock at the read, in ms (the clock startedMs is on). */
  nowMs: number;
}

export interface StatementSource {
  /** Connects on first use and again after close(); the sampler closes it after a failed read. */
  read(): Promise<StatementRead>;
  /** Names for keys seen in counters; keys of the local plane's or the sampler's own statements come back as ignored. */
  describe(keys: string[]): Promise<{ statements: SampledStatement[]; ignored: string[] }>;
  /**
   * For ended executions that ran under a provisional key: the key they were counted under, where the
   * engine still remembers (exec -> key). Absent when running keys are always the real ones.
   */
  settle?(execs: string[]): Promise<Map<string, string>>;
  close(): Promise<void>;
}
