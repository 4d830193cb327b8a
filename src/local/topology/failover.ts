/**
 * Moving a cluster's writer to one of its readers, as fast as a client can notice: the outage is the
 * old writer's fast shutdown plus pg_promote (~0.13 s); bringing the old writer back as a reader
 * happens after the cluster endpoint has already moved.
 *
 * Stopping the old writer first (instead of promoting while it still runs) is what makes this a clean
 * switchover: on a fast shutdown the walsenders ship everything up to the shutdown checkpoint to the
 * standbys, so the promoted reader has every committed write and the old writer, whose WAL ends at
 * that checkpoint, can follow the new timeline without pg_rewind. When it was not shut down cleanly
 * (it had crashed), pg_rewind and, failing that, a fresh base backup bring it back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { withAdminClient } from '../engines/postgres/admin-sql.js';
import type { PgServer } from '../engines/postgres/pg-server.js';

export interface FailoverTimings {
  /** Cluster endpoint refusing connections until it points at the promoted reader. */
  switchMs: number;
  stopOldWriterMs: number;
  promoteMs: number;
  /** Old writer back as a replicating reader. */
  rejoinMs: number;
  rejoinedBy: 'restart' | 'pg_rewind' | 'clone' | 'none';
}

export interface FailoverHooks {
  /** Close the cluster endpoint to new connections and cut existing ones. */
  closeWriterEndpoint(): void;
  /** Point the cluster endpoint at the new writer. */
  openWriterEndpoint(newWriter: PgServer): void;
  /** The reader set changed: the old writer is (or is not yet) a reader. */
  readersChanged(): void;
  /** Re-clone an instance from the writer when nothing cheaper works. */
  recloneAsStandby(server: PgServer, writer: PgServer): Promise<void>;
}

/** Wait until a standby's WAL receiver streams from its primary. */
export async function waitForStreaming(server: PgServer, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const streaming = await withAdminClient(server.socket, async (c) => {
      const r = await c.query<{ status: string }>('SELECT status FROM pg_stat_wal_receiver');
      return r.rows[0]?.status === 'streaming';
    }).catch(() => false);
    if (streaming) return true;
    await sleep(25);
  }
  return false;
}

export async function switchWriter(
  oldWriter: PgServer,
  newWriter: PgServer,
  otherReaders: PgServer[],
  hooks: FailoverHooks,
  /** rejoin false: the old writer is being deleted and stays stopped. */
  options: { rejoin?: boolean } = {},
): Promise<FailoverTimings> {
  const t0 = performance.now();
  hooks.closeWriterEndpoint();
  const wasRunning = oldWriter.isRunning();
  await oldWriter.stop('fast', 3000);
  const t1 = performance.now();
  await newWriter.promote();
  const t2 = performance.now();
  hooks.openWriterEndpoint(newWriter);
  const t3 = performance.now();

  // The remaining readers follow the new timeline (recovery_target_timeline defaults to latest).
  await Promise.all(otherReaders.map((r) => r.follow(newWriter)));
  hooks.readersChanged();
  if (options.rejoin === false) {
    return {
      switchMs: Math.round(t3 - t0),
      stopOldWriterMs: Math.round(t1 - t0),
      promoteMs: Math.round(t2 - t1),
      rejoinMs: 0,
      rejoinedBy: 'none',
    };
  }

  let rejoinedBy: FailoverTimings['rejoinedBy'] = 'restart';
  oldWriter.configureAsStandbyOf(newWriter);
  let ok = false;
  if (wasRunning) {
    ok = await oldWriter.start().then(() => waitForStreaming(oldWriter, 3000), () => false);
  }
  if (!ok) {
    await oldWriter.stop('immediate');
    rejoinedBy = 'pg_rewind';
    try {
      await oldWriter.rewindFrom(newWriter);
      oldWriter.configureAsStandbyOf(newWriter);
      await oldWriter.start();
      ok = await waitForStreaming(oldWriter, 3000);
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    await oldWriter.stop('immediate');
    rejoinedBy = 'clone';
    await hooks.recloneAsStandby(oldWriter, newWriter);
  }
  hooks.readersChanged();
  return {
    switchMs: Math.round(t3 - t0),
    stopOldWriterMs: Math.round(t1 - t0),
    promoteMs: Math.round(t2 - t1),
    rejoinMs: Math.round(performance.now() - t3),
    rejoinedBy,
  };
}
