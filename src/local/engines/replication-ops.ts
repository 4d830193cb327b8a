/**
 * The per-engine steps of moving a cluster's writer, which topology/failover.ts runs in a fixed,
 * engine-neutral order: fence the old writer, promote the chosen reader once it has everything the
 * old writer acknowledged, re-point the other readers, bring the old writer back as a reader.
 * engines/postgres/pg-replication.ts and engines/mysql/mysql-replication-ops.ts implement it.
 */
import type { InstanceServer } from './instance-server.js';

/** How the old writer came back as a reader (none: it is being deleted and stays stopped). */
export type RejoinedBy = 'restart' | 'pg_rewind' | 'follow' | 'clone' | 'none';

export interface ReplicationOps<S extends InstanceServer = InstanceServer> {
  /**
   * Stop the old writer taking writes, and say up to where it acknowledged them (PostgreSQL: a fast
   * shutdown, whose checkpoint the walsenders ship; MySQL: read_only and its final GTID position).
   */
  fence(oldWriter: S): Promise<string | undefined>;
  /** Make a reader the writer once it has applied everything up to `upTo`. */
  promote(newWriter: S, upTo: string | undefined): Promise<void>;
  /** Re-point a running reader at the new writer. */
  follow(reader: S, newWriter: S): Promise<void>;
  /** Bring the fenced old writer back as a reader of the new one, by whatever is cheapest. */
  rejoin(oldWriter: S, newWriter: S, wasRunning: boolean): Promise<RejoinedBy>;

  // Global databases (topology/global-replication.ts) also need:
  /**
   * End every client session on a running writer and say up to where it wrote: the endpoints are
   * already closed, so nothing is committed past the returned position.
   */
  quiesce(writer: S): Promise<string>;
  /** Has this replica applied everything up to `position`? */
  applied(replica: S, position: string): Promise<boolean>;
  /** How far a replica is behind the writer it replicates from (bytes: PostgreSQL's WAL; NaN where the engine has no such figure). */
  lag(writer: S, replica: S): Promise<{ bytes: number; replayAgeMs: number | null }>;
  /** Re-point a running replica at another writer and wait until it replicates; false when it cannot (it diverged). */
  followAndWait(replica: S, writer: S): Promise<boolean>;
}
