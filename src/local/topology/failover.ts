/**
 * Moving a cluster's writer to one of its readers, as fast as a client can notice, the same sequence
 * for every engine (the engine's steps are in engines/replication-ops.ts): close the cluster endpoint,
 * fence the old writer, promote the reader once it has every write the old writer acknowledged, open
 * the endpoint on it; only then re-point the other readers and bring the old writer back as a reader,
 * after the cluster endpoint has already moved.
 *
 * Fencing before promoting (instead of promoting while the old writer still takes writes) is what makes
 * this a clean switchover: no acknowledged write is lost, and the old writer's history is a prefix of
 * the new writer's, so it can usually follow it without being copied again.
 */
import type { InstanceServer } from '../engines/instance-server.js';
import type { RejoinedBy, ReplicationOps } from '../engines/replication-ops.js';

export interface FailoverTimings {
  /** Cluster endpoint refusing connections until it points at the promoted reader. */
  switchMs: number;
  /** Old writer fenced (PostgreSQL: stopped; MySQL: read-only with its final position read). */
  stopOldWriterMs: number;
  promoteMs: number;
  /** Old writer back as a replicating reader. */
  rejoinMs: number;
  rejoinedBy: RejoinedBy;
}

export interface FailoverHooks<S extends InstanceServer = InstanceServer> {
  /** Close the cluster endpoint to new connections and cut existing ones. */
  closeWriterEndpoint(): void;
  /** Point the cluster endpoint at the new writer. */
  openWriterEndpoint(newWriter: S): void;
  /** The reader set changed: the old writer is (or is not yet) a reader. */
  readersChanged(): void;
}

export async function switchWriter<S extends InstanceServer>(
  oldWriter: S,
  newWriter: S,
  otherReaders: S[],
  ops: ReplicationOps<S>,
  hooks: FailoverHooks<S>,
  /** rejoin false: the old writer is being deleted and stays stopped. */
  options: { rejoin?: boolean } = {},
): Promise<FailoverTimings> {
  const t0 = performance.now();
  hooks.closeWriterEndpoint();
  const wasRunning = oldWriter.isRunning();
  const upTo = wasRunning ? await ops.fence(oldWriter) : undefined;
  const t1 = performance.now();
  await ops.promote(newWriter, upTo);
  const t2 = performance.now();
  hooks.openWriterEndpoint(newWriter);
  const t3 = performance.now();
  const figures = { switchMs: Math.round(t3 - t0), stopOldWriterMs: Math.round(t1 - t0), promoteMs: Math.round(t2 - t1) };

  await Promise.all(otherReaders.map((r) => ops.follow(r, newWriter)));
  hooks.readersChanged();
  if (options.rejoin === false) {
    await oldWriter.stop('fast', 3000);
    return { ...figures, rejoinMs: 0, rejoinedBy: 'none' };
  }
  const rejoinedBy = await ops.rejoin(oldWriter, newWriter, wasRunning);
  hooks.readersChanged();
  return { ...figures, rejoinMs: Math.round(performance.now() - t3), rejoinedBy };
}
