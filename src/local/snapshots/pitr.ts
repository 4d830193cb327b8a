/**
 * The local target's continuous backup and point-in-time restore, for either engine. When a cluster's
 * first writer is ready, a base backup of it is kept (<baseDir>/pitr-base/<clusterId>), and from then
 * on its log is kept or followed by the engine's part: PostgreSQL archives WAL (pg-pitr.ts), MariaDB
 * keeps binlogs on every member and the local plane notes when each transaction reached them
 * (maria-pitr.ts, maria-pitr-journal.ts). RestoreDBClusterToPointInTime then has the engine recover a
 * copy of the base backup up to the moment, and keeps the result as an internal snapshot that the
 * restored cluster's first instance copies, exactly as it would copy a cluster snapshot. The internal
 * snapshot's id has a double hyphen, which no RDS identifier can have, so it never meets a learner's
 * snapshot.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTargetError } from '../../errors.js';
import type { Reporter } from '../../events.js';
import type { ClusterSpec } from '../../sim/data-plane.js';
import { ensureOwnedDir, ensureTraversableDir, runAs, type RunAsUser } from '../core/os-user.js';
import type { PortAllocator } from '../core/ports.js';
import type { EngineName, InstanceServer } from '../engines/instance-server.js';
import type { MariaBinaries } from '../engines/mysql/maria-binaries.js';
import { mariaPitrEngine } from '../engines/mysql/maria-pitr-engine.js';
import type { PgBinaries } from '../engines/postgres/pg-binaries.js';
import { pgPitrEngine } from '../engines/postgres/pg-pitr.js';
import type { SnapshotStore } from './snapshot-store.js';

/** What the local data plane lends the point-in-time machinery. */
export interface PitrHost {
  baseDir: string;
  binaries(): PgBinaries;
  mariaBinaries(): MariaBinaries;
  user: RunAsUser | undefined;
  ports: PortAllocator;
  reporter: Reporter;
  snapshots: SnapshotStore;
  /** Run `work` with the cluster's writer running (a paused one is woken), or with undefined when it has none. */
  withWriter<T>(clusterId: string, why: string, work: (writer: InstanceServer | undefined) => Promise<T>): Promise<T>;
  /** A cluster's members, its writer first (running or not); [] when it has none. */
  members(clusterId: string): InstanceServer[];
}

/** A restore of one engine: recover a copy of the base backup up to the moment into `dir`/data. */
export interface RecoveryRequest {
  sourceClusterId: string;
  /** The recovering server's directory; its data/ is the result. */
  dir: string;
  port: number;
  baseBackupDir: string;
  /** The log position the base backup is at ('' when it holds no history: replay from the start). */
  replayAfter: string;
  superuser: string;
  target: Date;
}

export interface Recovered {
  recoveryMs: number;
  /** Said after "Recovered X to T for Y in N ms". */
  detail: string;
  data: Record<string, unknown>;
}

/** An engine's part of point-in-time recovery (pg-pitr.ts, maria-pitr-engine.ts). */
export interface PitrEngine {
  /** A base backup of running `writer` (which did not start from a stopped data dir); returns its log position. */
  backup(writer: InstanceServer, dataDir: string): Promise<string>;
  /** The cluster has a new base backup: keep its log from now on. */
  follow(clusterId: string): void;
  recover(r: RecoveryRequest): Promise<Recovered>;
  /** The cluster is deleted: whatever its log needed goes. */
  forget(clusterId: string): void;
}

interface BaseBackupMeta {
  clusterId: string;
  engine: EngineName;
  superuser: string;
  /** When the backup was usable: the earliest moment a recovery from this backup can stop at. */
  consistentAt: string;
  /** Where replay starts: the engine's log position of the backup ('' for none). */
  replayAfter: string;
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
  private readonly engines: Record<EngineName, PitrEngine>;

  constructor(private readonly host: PitrHost) {
    this.engines = { postgres: pgPitrEngine(host), mysql: mariaPitrEngine(host) };
  }

  private baseDir(clusterId: string): string {
    return join(this.host.baseDir, 'pitr-base', clusterId);
  }

  private readMeta(clusterId: string): BaseBackupMeta | undefined {
    const file = join(this.baseDir(clusterId), 'backup.json');
    if (!existsSync(file)) return undefined;
    const meta = JSON.parse(readFileSync(file, 'utf8')) as Partial<BaseBackupMeta>;
    // Recorded before MariaDB had point-in-time recovery: PostgreSQL's.
    return { engine: 'postgres', replayAfter: '', ...meta } as BaseBackupMeta;
  }

  /**
   * A cluster's first writer is ready (the first ever, or the first after every instance was deleted,
   * whose data starts afresh locally): record the cluster's base backup, replacing an older one. A
   * failover does not come here: the promoted reader continues the same history (PostgreSQL's WAL on a
   * new timeline; MariaDB's GTIDs, in its own binlog). A writer that started from a stopped data
   * directory (a template, a snapshot, a restored volume, none of which ever change) has that directory
   * as its base backup: it is linked, not copied, in milliseconds, and is usable at once; its log holds
   * everything since. Any other writer is backed up by the engine (pg_basebackup, mariadb-backup), in
   * the background.
   */
  async writerReady(clusterId: string, writer: InstanceServer, startedFrom: string | undefined): Promise<void> {
    await this.pending.get(clusterId);
    const engine = this.engines[writer.engine];
    const dir = this.baseDir(clusterId);
    rmSync(dir, { recursive: true, force: true });
    ensureTraversableDir(dir);
    engine.follow(clusterId);
    const record = (replayAfter: string) => {
      const meta: BaseBackupMeta = { clusterId, engine: writer.engine, superuser: writer.superuser, consistentAt: new Date().toISOString(), replayAfter };
      writeFileSync(join(dir, 'backup.json'), JSON.stringify(meta, null, 2) + '\n');
      this.host.reporter.emit({ code: 'local.pitr.base-backup', level: 'debug', message: `Base backup of ${clusterId} kept for point-in-time recovery`, data: { ...meta } });
    };
    if (startedFrom) {
      await linkCopy(startedFrom, join(dir, 'data'), this.host.user);
      return record('');
    }
    const work = engine.backup(writer, join(dir, 'data'))
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
    const snapshotId = restoredVolumeId(spec.clusterId);
    const port = await this.host.ports.allocate();
    try {
      await this.host.snapshots.save({ snapshotId, kind: 'cluster', sourceId: source, superuser: meta.superuser }, async (dataDir) => {
        const result = await this.engines[meta.engine].recover({
          sourceClusterId: source,
          dir: join(dataDir, '..'),
          port,
          baseBackupDir: join(this.baseDir(source), 'data'),
          replayAfter: meta.replayAfter,
          superuser: meta.superuser,
          target: from.restoreTime,
        });
        this.host.reporter.emit({
          code: 'local.pitr.restored',
          level: 'info',
          message: `Recovered ${source} to ${from.restoreTime.toISOString()} for ${spec.clusterId} in ${result.recoveryMs} ms${result.detail}`,
          data: { sourceClusterId: source, clusterId: spec.clusterId, restoreTime: from.restoreTime.toISOString(), recoveryMs: result.recoveryMs, ...result.data },
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

  /** A cluster is deleted: its base backup, its log and the volume it was restored from go. */
  async forget(clusterId: string): Promise<void> {
    await this.pending.get(clusterId);
    rmSync(this.baseDir(clusterId), { recursive: true, force: true });
    for (const engine of Object.values(this.engines)) engine.forget(clusterId);
    this.host.snapshots.delete(restoredVolumeId(clusterId));
  }
}
