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

async function lsnDiff(writer: PgServer, lsn: string): Promise<number> {
  return withAdminClient(writer.socket, async (c) => {
    const r = await c.query<{ d: string }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint AS d', [lsn]);
    return Math.max(0, Number(r.rows[0]?.d ?? 0));
  });
}

/**
 * Stop every write on a running writer and return the WAL position it has flushed: sessions are
 * ended and waited for, so no commit is in flight past the returned position.
 */
async function quiesce(writer: PgServer): Promise<string> {
  return withAdminClient(writer.socket, async (c) => {
    await c.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
    const deadline = Date.now() + 5000;
    for (;;) {
      const r = await c.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()");
      if (r.rows[0]?.n === 0 || Date.now() > deadline) break;
      await sleep(10);
    }
    const r = await c.query<{ lsn: string }>('SELECT pg_current_wal_flush_lsn()::text AS lsn');
    return r.rows[0]!.lsn;
  });
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
    quiesce,
    async applied(replica, position) {
      return withAdminClient(replica.socket, async (c) => {
        const r = await c.query<{ ok: boolean | null }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [position]);
        return r.rows[0]?.ok === true;
      }).catch(() => false);
    },
    async lag(writer, replica) {
      const { lsn, age } = await withAdminClient(replica.socket, async (c) => {
        const r = await c.query<{ lsn: string | null; age: string | null }>(
          'SELECT pg_last_wal_replay_lsn()::text AS lsn, (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::bigint AS age',
        );
        return { lsn: r.rows[0]?.lsn ?? null, age: r.rows[0]?.age ?? null };
      });
      return { bytes: lsn ? await lsnDiff(writer, lsn) : Number.NaN, replayAgeMs: age === null ? null : Number(age) };
    },
    async followAndWait(replica, writer) {
      await replica.follow(writer).catch(() => undefined);
      return waitForStreaming(replica, 3000);
    },
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
