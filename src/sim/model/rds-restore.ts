/**
 * RestoreDBClusterFromSnapshot: a new Aurora cluster (without instances) from a cluster snapshot, named by
 * identifier or ARN, or from an RDS instance snapshot, which AWS accepts only by ARN.
 */
import { fail, invalidCombination } from './errors.js';
import { isArn, parseArn } from './ids.js';
import { optStr, reqStr } from './input.js';
import { catalogOf, resolveVersion } from './rds-catalog.js';
import { checkScaling, defaultKmsKey } from './rds-clusters.js';
import { launchRestoredCluster, restoredClusterId } from './rds-restored.js';
import type { Handler } from './runtime.js';
import { rkey, type ClusterSnapshotRec, type DbSnapshotRec } from './state.js';

const AURORA_OF: Record<string, string> = { postgres: 'aurora-postgresql', mysql: 'aurora-mysql' };

type Source = { kind: 'cluster'; snap: ClusterSnapshotRec } | { kind: 'instance'; snap: DbSnapshotRec };

function notFound(id: string): never {
  fail('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`);
}

export const restoreHandlers: Record<string, Handler> = {
  RestoreDBClusterFromSnapshot(rt, input, region) {
    const id = restoredClusterId(rt, input, region);
    const snapshotId = reqStr(input, 'SnapshotIdentifier');
    const engine = reqStr(input, 'Engine');
    let source: Source;
    if (isArn(snapshotId)) {
      const arn = parseArn(snapshotId);
      const cs = Object.values(rt.state.clusterSnapshots).find((s) => s.arn === snapshotId);
      const ds = Object.values(rt.state.dbSnapshots).find((s) => s.arn === snapshotId);
      if (!arn || arn.region !== region || (!cs && !ds)) notFound(snapshotId);
      source = cs ? { kind: 'cluster', snap: cs } : { kind: 'instance', snap: ds! };
    } else {
      // An instance snapshot with this identifier does not count: AWS looks up cluster snapshots only.
      const cs = rt.state.clusterSnapshots[rkey(region, snapshotId.toLowerCase())];
      if (!cs) notFound(snapshotId);
      source = { kind: 'cluster', snap: cs };
    }
    const snap = source.snap;
    if (snap.status !== 'available') {
      fail(source.kind === 'cluster' ? 'InvalidDBClusterSnapshotStateFault' : 'InvalidDBSnapshotState', `Snapshot ${snap.id} is not available (current state: ${snap.status}).`);
    }
    const compatible = source.kind === 'cluster' ? snap.engine : AURORA_OF[snap.engine];
    if (engine !== compatible) invalidCombination(`A snapshot of engine ${snap.engine} can't be restored as engine ${engine}.`);
    let version = optStr(input, 'EngineVersion');
    if (version === undefined) {
      if (source.kind === 'cluster') version = snap.engineVersion;
      else {
        const major = resolveVersion(rt, snap.engine, snap.engineVersion).major;
        const same = catalogOf(rt).of(engine).filter((v) => (v.version === snap.engineVersion || v.major === major));
        if (same.length === 0) invalidCombination(`No ${engine} version is compatible with the snapshot's ${snap.engine} ${snap.engineVersion}.`);
        version = (same.find((v) => v.version === snap.engineVersion) ?? same[same.length - 1]!).version;
      }
    }
    const info = resolveVersion(rt, engine, version);
    const serverlessV2 = checkScaling(rt, input, engine, info.version);
    const databaseName = optStr(input, 'DatabaseName') ?? (source.kind === 'cluster' ? source.snap.databaseName : source.snap.dbName);
    return launchRestoredCluster(rt, input, region, id, {
      engine,
      info,
      masterUsername: snap.masterUsername,
      masterPassword: snap.masterPassword,
      ...(databaseName ? { databaseName } : {}),
      port: engine.includes('mysql') ? 3306 : 5432,
      iamAuth: snap.iamAuth,
      storageEncrypted: snap.storageEncrypted,
      kmsKeyId: defaultKmsKey(rt, region),
      ...(serverlessV2 ? { serverlessV2 } : {}),
      backupRetentionPeriod: 1,
      origin: { restoredFrom: { snapshotId: snap.id, kind: source.kind } },
    });
  },
};
