/**
 * The local target's continuous backup and point-in-time restore. Each cluster's members archive
 * their WAL into the cluster's archive (pg-server.ts); when a cluster's first writer is ready, a base
 * backup of it is taken in the background (<baseDir>/pitr-base/<clusterId>). RestoreDBClusterToPointInTime
 * then recovers a copy of that backup with the archived WAL up to the moment (pg-pitr.ts), and keeps
 * the result as an internal snapshot that the restored cluster's first instance copies, exactly as it
 * would copy a cluster snapshot. The internal snapshot's id has a double hyphen, which no RDS
 * identifier can have, so it never meets a learner's snapshot.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTargetError } from '../../errors.js';
import type { Reporter } from '../../events.js';
import type { ClusterSpec } from '../../sim/data-plane.js';
import { ensureOwnedDir, ensureTraversableDir, runAs, type RunAsUser } from '../core/os-user.js';
import type { PortAllocator } from '../core/ports.js';
import type { PgBinaries } from '../engines/postgres/pg-binaries.js';
import { archivePast, recoverToTime } from '../engines/postgres/pg-pitr.js';
import { baseBackup, walArchiveDirFor, type PgServer } from '../engines/postgres/pg-server.js';
import type { SnapshotStore } from './snapshot-store.js';

/** What the local data plane lends the point-in-time machinery. */
export interface PitrHost {
  baseDir: string;
  binaries(): PgBinaries;
  user: RunAsUser | undefined;
  ports: PortAllocator;
  reporter: Reporter;
  snapshots: SnapshotStore;
  /** Run `work` with the cluster's writer running (a paused one is woken), or with undefined when it has none. */
  withWriter<T>(clusterId: string, why: string, work: (writer: PgServer | undefined) => Promise<T>): Promise<T>;
}

interface BaseBackupMeta {
  clusterId: string;
  superuser: string;
  /** When pg_basebackup returned: the earliest moment a recovery from this backup can stop at. */
  consistentAt: string;
}

/** A hard-linked copy of a directory that never changes (a real copy across file systems), as the server user. */
async function linkCopy(from: string, to: string, user: RunAsUser | undefined): Promise<void> {
  ensureOwnedDir(to, user);
  try {
    await runAs('cp', ['-al', `${from}/.`, to], { user, what: 'link of a base backup' });
  } catch {
    rmSync(to, { recursive: true, force: true });
    ensureOwnedDir(to, user);
    await runAs('cp', ['-a', `${from}/.`, to], { user, what: 'copy of a base backup' });
  }
}

/** The internal snapshot a restored cluster's first instance copies. */
export function restoredVolumeId(clusterId: string): string {
  return `pitr--${clusterId}`;
}

export class LocalPitr {
  /** Base backups being taken, by cluster. */
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly host: PitrHost) {}

  private baseDir(clusterId: string): string {
    return join(this.host.baseDir, 'pitr-base', clusterId);
  }

  private readMeta(clusterId: string): BaseBackupMeta | undefined {
    const file = join(this.baseDir(clusterId), 'backup.json');
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as BaseBackupMeta) : undefined;
  }

  /**
   * A cluster's first writer is ready (the first ever, or the first after every instance was deleted,
   * whose data starts afresh locally): record the cluster's base backup, replacing an older one. A
   * failover does not come here: the promoted reader continues the same WAL history. A writer that started from a stopped data directory
   * (the initdb template, a snapshot, a restored volume, none of which ever change) has that directory
   * as its base backup: it is linked, not copied, in milliseconds, and is usable at once. A writer made
   * by initdb is backed up with pg_basebackup, in the background.
   */
  async writerReady(clusterId: string, writer: PgServer, startedFrom: string | undefined): Promise<void> {
    await this.pending.get(clusterId);
    const dir = this.baseDir(clusterId);
    rmSync(dir, { recursive: true, force: true });
    ensureTraversableDir(dir);
    const record = () => {
      const meta: BaseBackupMeta = { clusterId, superuser: writer.superuser, consistentAt: new Date().toISOString() };
      writeFileSync(join(dir, 'backup.json'), JSON.stringify(meta, null, 2) + '\n');
      this.host.reporter.emit({ code: 'local.pitr.base-backup', level: 'debug', message: `Base backup of ${clusterId} kept for point-in-time recovery`, data: { ...meta } });
    };
    if (startedFrom) {
      await linkCopy(startedFrom, join(dir, 'data'), this.host.user);
      return record();
    }
    const work = baseBackup(this.host.binaries(), this.host.user, writer, join(dir, 'data'), { writeRecoveryConf: false })
      .then(record)
      .catch((err: unknown) => {
        // A writer deleted while it was being backed up: the cluster is going away, or gets another writer.
        rmSync(dir, { recursive: true, force: true });
        this.host.reporter.emit({ code: 'local.pitr.base-backup-failed', level: 'warn', message: `Base backup of ${clusterId} failed: ${(err as Error).message}`, data: { clusterId } });
      })
      .finally(() => this.pending.delete(clusterId));
    this.pending.set(clusterId, work);
  }

  /**
   * RestoreDBClusterToPointInTime: recover the source's volume to the moment into an internal snapshot
   * and return it as the new cluster's fromSnapshot.
   */
  async restore(spec: ClusterSpec): Promise<NonNullable<ClusterSpec['fromSnapshot']>> {
    const from = spec.fromPointInTime!;
    const source = from.sourceClusterId;
    await this.pending.get(source);
    const meta = this.readMeta(source);
    if (!meta) {
      throw new LocalTargetError(`Cluster ${source} has no base backup to restore from.`, {
        code: 'LOCAL_PITR',
        hint: 'A local cluster is backed up once its first instance is available: add an instance to the source and restore again.',
      });
    }
    if (from.restoreTime.getTime() < Date.parse(meta.consistentAt)) {
      throw new LocalTargetError(`${from.restoreTime.toISOString()} is before ${source}'s local backup became usable (${meta.consistentAt}).`, {
        code: 'LOCAL_PITR',
        hint: 'Choose a RestoreToTime after the source cluster\'s first instance was available.',
      });
    }
    const archiveDir = walArchiveDirFor(this.host.baseDir, source);
    // WAL past the moment, archived: the source's writer commits and switches segments now.
    await this.host.withWriter(source, 'a point-in-time restore', async (writer) => {
      if (writer) await archivePast(writer, archiveDir);
    });
    const snapshotId = restoredVolumeId(spec.clusterId);
    const port = await this.host.ports.allocate();
    try {
      await this.host.snapshots.save({ snapshotId, kind: 'cluster', sourceId: source, superuser: meta.superuser }, async (dataDir) => {
        const result = await recoverToTime({
          binaries: this.host.binaries(),
          user: this.host.user,
          dir: join(dataDir, '..'),
          port,
          baseBackupDir: join(this.baseDir(source), 'data'),
          archiveDir,
          superuser: meta.superuser,
          target: from.restoreTime,
          reporter: this.host.reporter,
        });
        this.host.reporter.emit({
          code: 'local.pitr.restored',
          level: 'info',
          message: `Recovered ${source} to ${from.restoreTime.toISOString()} for ${spec.clusterId} in ${result.recoveryMs} ms` +
            (result.lastReplayedCommit ? ` (last transaction replayed committed at ${result.lastReplayedCommit.toISOString()})` : ''),
          data: { sourceClusterId: source, clusterId: spec.clusterId, restoreTime: from.restoreTime.toISOString(), recoveryMs: result.recoveryMs, lastReplayedCommit: result.lastReplayedCommit?.toISOString() },
        });
      });
    } catch (err) {
      this.host.snapshots.delete(snapshotId);
      throw err;
    } finally {
      this.host.ports.release(port);
    }
    return { snapshotId, kind: 'cluster' };
  }

  /** A cluster is deleted: its base backup, its WAL archive and the volume it was restored from go. */
  async forget(clusterId: string): Promise<void> {
    await this.pending.get(clusterId);
    rmSync(this.baseDir(clusterId), { recursive: true, force: true });
    rmSync(walArchiveDirFor(this.host.baseDir, clusterId), { recursive: true, force: true });
    this.host.snapshots.delete(restoredVolumeId(clusterId));
  }
}
