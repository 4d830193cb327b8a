/**
 * PostgreSQL point-in-time recovery, the real thing: a base backup of a cluster's writer, the WAL its
 * members archived since (pg-server.ts archives every completed segment into the cluster's archive),
 * and a server started on a copy of the backup with restore_command and recovery_target_time. It
 * replays every transaction that committed by the target, stops at the first that committed after it,
 * and is promoted: a new primary on a new timeline, whose stopped data directory becomes the restored
 * cluster's volume. snapshots/pitr.ts decides when each of these happens.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalTargetError } from '../../../errors.js';
import type { Reporter } from '../../../events.js';
import { chownTo, type RunAsUser } from '../../core/os-user.js';
import { quoteLiteral, withAdminClient } from './admin-sql.js';
import type { PgBinaries } from './pg-binaries.js';
import type { PitrEngine, PitrHost } from '../../snapshots/pitr.js';
import { baseBackup, PgServer, walArchiveDirFor } from './pg-server.js';

/** The settings recovery needs, written to postgresql.auto.conf and removed again afterwards. */
const RECOVERY_KEYS = ['restore_command', 'recovery_target_time', 'recovery_target_action', 'recovery_target_timeline', 'recovery_target_inclusive'];

/**
 * Make sure the archive holds WAL past `target`: a transaction that commits now (after the target) and
 * a switch to a new segment, so that the segment holding it is archived; wait until it is. Recovery
 * then finds a commit after the target and stops there, instead of running out of WAL short of it
 * (PostgreSQL refuses to finish a recovery whose target it never reached).
 */
export async function archivePast(writer: PgServer, archiveDir: string, timeoutMs = 30_000): Promise<string> {
  const segment = await withAdminClient(writer.socket, async (c) => {
    await c.query('SELECT txid_current()');
    const r = await c.query<{ wal: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS wal');
    return r.rows[0]!.wal;
  });
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(join(archiveDir, segment))) {
    if (Date.now() > deadline) {
      throw new LocalTargetError(`WAL segment ${segment} of ${writer.instanceId} was not archived within ${timeoutMs} ms.`, {
        code: 'LOCAL_PITR',
        details: writer.logTail(),
        hint: `See ${writer.logFile} for archive_command failures.`,
      });
    }
    await sleep(20);
  }
  return segment;
}

export interface RecoveryOptions {
  binaries: PgBinaries;
  user: RunAsUser | undefined;
  /** The directory of the recovering server; its data/ is the result. */
  dir: string;
  port: number;
  /** A base backup's data directory (not changed). */
  baseBackupDir: string;
  /** The cluster's WAL archive. */
  archiveDir: string;
  superuser: string;
  target: Date;
  reporter?: Reporter;
  timeoutMs?: number;
}

export interface RecoveryResult {
  /** When the last transaction replayed had committed (PostgreSQL's pg_last_xact_replay_timestamp()). */
  lastReplayedCommit?: Date;
  recoveryMs: number;
}

/** Recover a copy of the base backup to `target`, promote it, stop it cleanly: <dir>/data is the volume. */
export async function recoverToTime(o: RecoveryOptions): Promise<RecoveryResult> {
  const started = Date.now();
  const server = new PgServer({ instanceId: 'point-in-time-recovery', dir: o.dir, port: o.port, binaries: o.binaries, user: o.user, superuser: o.superuser, reporter: o.reporter });
  await server.copyDataFrom(o.baseBackupDir);
  rmSync(join(server.dataDir, 'standby.signal'), { force: true });
  writeRecoverySettings(server.dataDir, o.user, [
    `restore_command = ${quoteLiteral(`cp '${o.archiveDir}/%f' '%p'`)}`,
    // PostgreSQL's own timestamp form: recovery_target_time refuses ISO 8601's "T" and "Z".
    `recovery_target_time = ${quoteLiteral(o.target.toISOString().replace('T', ' ').replace('Z', '+00'))}`,
    "recovery_target_action = 'promote'",
    "recovery_target_timeline = 'latest'",
    "recovery_target_inclusive = 'on'",
  ]);
  const signal = join(server.dataDir, 'recovery.signal');
  writeFileSync(signal, '');
  chownTo(signal, o.user);
  let lastReplayedCommit: Date | undefined;
  try {
    await server.start(o.timeoutMs ?? 60_000);
    lastReplayedCommit = await waitForPromotion(server, o.target, o.timeoutMs ?? 60_000);
  } catch (err) {
    throw recoveryFailure(server, o.target, err);
  } finally {
    await server.stop('fast');
  }
  writeRecoverySettings(server.dataDir, o.user, []);
  rmSync(signal, { force: true });
  return { ...(lastReplayedCommit ? { lastReplayedCommit } : {}), recoveryMs: Date.now() - started };
}

/** Recovery runs as a hot standby until the target; promotion ends it. */
async function waitForPromotion(server: PgServer, target: Date, timeoutMs: number): Promise<Date | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!server.isRunning()) throw new Error('the server stopped during recovery');
    const state = await withAdminClient(server.socket, async (c) => {
      const r = await c.query<{ standby: boolean; last: Date | null }>('SELECT pg_is_in_recovery() AS standby, pg_last_xact_replay_timestamp() AS last');
      return r.rows[0]!;
    }).catch(() => undefined);
    if (state && !state.standby) return state.last ?? undefined;
    if (Date.now() > deadline) throw new Error(`recovery to ${target.toISOString()} did not finish in ${timeoutMs} ms`);
    await sleep(20);
  }
}

function recoveryFailure(server: PgServer, target: Date, err: unknown): LocalTargetError {
  const log = server.logTail(20);
  const short = log.some((l) => /before configured recovery target was reached/.test(l));
  const early = log.some((l) => /before consistent recovery point/.test(l));
  return new LocalTargetError(`PostgreSQL could not recover to ${target.toISOString()}${short ? ': the archived WAL ends before that moment' : early ? ': the moment is before the base backup became consistent' : ''}.`, {
    code: 'LOCAL_PITR',
    details: log,
    hint: early ? 'Choose a later RestoreToTime (after the source cluster\'s first instance was available).' : `See ${server.logFile}.`,
    cause: err,
  });
}

/** Replace the recovery settings in postgresql.auto.conf with `lines` (none: remove them). */
function writeRecoverySettings(dataDir: string, user: RunAsUser | undefined, lines: string[]): void {
  const auto = join(dataDir, 'postgresql.auto.conf');
  const kept = existsSync(auto)
    ? readFileSync(auto, 'utf8').split('\n').filter((l) => l && !RECOVERY_KEYS.some((k) => new RegExp(`^\\s*${k}\\s*=`).test(l)))
    : [];
  writeFileSync(auto, [...kept, ...lines].join('\n') + '\n');
  chownTo(auto, user);
}

/**
 * PostgreSQL's part of the local target's point-in-time recovery (snapshots/pitr.ts): pg_basebackup for
 * a writer made by initdb; a restore first has the writer archive WAL past the moment, then recovers.
 */
export function pgPitrEngine(host: PitrHost): PitrEngine {
  return {
    backup: async (writer, dataDir) => {
      await baseBackup(host.binaries(), host.user, writer as PgServer, dataDir, { writeRecoveryConf: false });
      return '';
    },
    // Every member archives its completed WAL segments itself (pg-server.ts).
    follow: () => undefined,
    recover: async (r) => {
      const archiveDir = walArchiveDirFor(host.baseDir, r.sourceClusterId);
      // WAL past the moment, archived: the source's writer commits and switches segments now.
      await host.withWriter(r.sourceClusterId, 'a point-in-time restore', async (writer) => {
        if (writer?.engine === 'postgres') await archivePast(writer as PgServer, archiveDir);
      });
      const result = await recoverToTime({
        binaries: host.binaries(),
        user: host.user,
        dir: r.dir,
        port: r.port,
        baseBackupDir: r.baseBackupDir,
        archiveDir,
        superuser: r.superuser,
        target: r.target,
        reporter: host.reporter,
      });
      const last = result.lastReplayedCommit;
      return {
        recoveryMs: result.recoveryMs,
        detail: last ? ` (last transaction replayed committed at ${last.toISOString()})` : '',
        data: { lastReplayedCommit: last?.toISOString() },
      };
    },
    forget: (clusterId) => rmSync(walArchiveDirFor(host.baseDir, clusterId), { recursive: true, force: true }),
  };
}
