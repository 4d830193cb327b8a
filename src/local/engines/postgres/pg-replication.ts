/**
 * PostgreSQL's steps of a writer move (the sequence is topology/failover.ts). Fencing is a fast
 * shutdown: the walsenders then ship everything up to the shutdown checkpoint to the standbys, so the
 * promoted standby has every committed write and the old writer, whose WAL ends at that checkpoint,
 * can follow the new timeline without pg_rewind. When it was not shut down cleanly (it had crashed),
 * pg_rewind and, failing that, a fresh base backup bring it back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RejoinedBy, ReplicationOps } from '../replication-ops.js';
import { withAdminClient } from './admin-sql.js';
import type { PgServer } from './pg-server.js';

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

/** `reclone` copies the new writer afresh when neither a restart nor pg_rewind brings the old one back. */
export function pgReplicationOps(reclone: (server: PgServer, writer: PgServer) => Promise<void>): ReplicationOps<PgServer> {
  return {
    async fence(oldWriter) {
      await oldWriter.stop('fast', 3000);
      return undefined;
    },
    promote: (newWriter) => newWriter.promote(),
    // The remaining standbys follow the new timeline (recovery_target_timeline defaults to latest).
    follow: (reader, newWriter) => reader.follow(newWriter),
    async rejoin(oldWriter, newWriter, wasRunning): Promise<RejoinedBy> {
      oldWriter.configureAsStandbyOf(newWriter);
      if (wasRunning && (await oldWriter.start().then(() => waitForStreaming(oldWriter, 3000), () => false))) return 'restart';
      await oldWriter.stop('immediate');
      try {
        await oldWriter.rewindFrom(newWriter);
        oldWriter.configureAsStandbyOf(newWriter);
        await oldWriter.start();
        if (await waitForStreaming(oldWriter, 3000)) return 'pg_rewind';
      } catch {
        // fall through to a fresh copy
      }
      await oldWriter.stop('immediate');
      await reclone(oldWriter, newWriter);
      return 'clone';
    },
  };
}
