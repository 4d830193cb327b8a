/**
 * Local snapshots on disk: <root>/<snapshot-id>/data is a consistent copy of an instance's data
 * directory (a base backup), and snapshot.json says what it was taken of and which superuser owns it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTargetError } from '../../errors.js';
import { ensureTraversableDir } from '../core/os-user.js';

export interface SnapshotMeta {
  snapshotId: string;
  kind: 'cluster' | 'instance';
  sourceId: string;
  superuser: string;
  createdAt: string;
}

export class SnapshotStore {
  constructor(private readonly root: string) {}

  /** Where a snapshot's copy of the data directory is. */
  dataDir(snapshotId: string): string {
    return join(this.dir(snapshotId), 'data');
  }

  /** Replace the snapshot: `copy` fills dataDir(snapshotId), then the metadata is written. */
  async save(meta: Omit<SnapshotMeta, 'createdAt'>, copy: (dataDir: string) => Promise<void>): Promise<void> {
    const dir = this.dir(meta.snapshotId);
    rmSync(dir, { recursive: true, force: true });
    ensureTraversableDir(dir);
    await copy(this.dataDir(meta.snapshotId));
    const full: SnapshotMeta = { ...meta, createdAt: new Date().toISOString() };
    writeFileSync(join(dir, 'snapshot.json'), JSON.stringify(full, null, 2) + '\n');
  }

  read(snapshotId: string): SnapshotMeta {
    const file = join(this.dir(snapshotId), 'snapshot.json');
    if (!existsSync(file)) throw new LocalTargetError(`No local snapshot ${snapshotId}.`, { code: 'LOCAL_NOT_FOUND' });
    return JSON.parse(readFileSync(file, 'utf8')) as SnapshotMeta;
  }

  delete(snapshotId: string): void {
    rmSync(this.dir(snapshotId), { recursive: true, force: true });
  }

  private dir(snapshotId: string): string {
    return join(this.root, snapshotId);
  }
}
