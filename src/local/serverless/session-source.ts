/**
 * The engine seam of the Serverless v2 scaler: how many client sessions an instance has, as the
 * capacity and auto-pause rules need them. engines/postgres/sessions.ts reads pg_stat_activity,
 * engines/mysql/sessions.ts information_schema.PROCESSLIST. CPU is read from /proc by the scaler.
 */

export interface SessionCounts {
  /** Client sessions running a statement now (the source's own session not counted). */
  active: number;
  /** Client sessions over TCP, busy or idle: any of them keeps the instance from pausing. */
  tcp: number;
  /**
   * Processes besides the server's main one whose CPU is the instance's (PostgreSQL's backends);
   * empty where the server is one process with threads (mariadbd: /proc/<pid>/stat counts them all).
   */
  pids: number[];
}

export interface SessionSource {
  /** Connects on first use and again after close(); the scaler closes it after a failed read. */
  sample(): Promise<SessionCounts>;
  close(): Promise<void>;
}
