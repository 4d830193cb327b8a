/**
 * Point-in-time restore: the restorable window DescribeDBClusters reports (EarliestRestorableTime,
 * LatestRestorableTime) and RestoreDBClusterToPointInTime, which makes a new cluster (without
 * instances) from a live cluster's continuous backup as it was at one moment of that window.
 *
 * As in the RDS API reference: RestoreToTime and UseLatestRestorableTime exclude each other and one is
 * needed; RestoreToTime is refused with copy-on-write; a time outside the window is InvalidRestoreFault.
 * The new cluster copies the source's engine, version, master user and password, database name, port,
 * subnet group, encryption and backup retention; it gets the default security group and the default
 * cluster parameter group unless the call names others (AWS: "the same configuration as the original
 * DB cluster, except that the new DB cluster is created with the default DB security group").
 */
import { fail, invalidCombination, invalidValue } from './errors.js';
import { parseArn } from './ids.js';
import { optBool, optNum, optStr } from './input.js';
import { resolveVersion } from './rds-catalog.js';
import { checkScaling } from './rds-clusters.js';
import { launchRestoredCluster, restoredClusterId } from './rds-restored.js';
import type { Handler, Runtime } from './runtime.js';
import { toMillis } from './time.js';
import { rkey, type ClusterRec } from './state.js';

const DAY_MS = 24 * 3600 * 1000;
const RESTORE_TYPES = ['full-copy', 'copy-on-write'];
/** A cluster being created has no backup yet; one being deleted can no longer be restored from. */
const NO_WINDOW = new Set(['creating', 'deleting']);

/**
 * The times a cluster can be restored to: from its creation (or BackupRetentionPeriod days ago, the
 * later of the two) to now. Aurora uploads log records continuously, so the latest restorable time is
 * the present; a cluster still being created has no window yet.
 */
export function restorableWindow(rt: Runtime, c: ClusterRec): { earliest: number; latest: number } | undefined {
  if (c.status === 'creating') return undefined;
  const latest = rt.now();
  return { earliest: Math.min(latest, Math.max(c.createdAt, latest - c.backupRetentionPeriod * DAY_MS)), latest };
}

/** The source: by identifier or ARN (this region), or by SourceDbClusterResourceId. */
function sourceCluster(rt: Runtime, input: Record<string, unknown>, region: string): ClusterRec {
  const idOrArn = optStr(input, 'SourceDBClusterIdentifier');
  const resourceId = optStr(input, 'SourceDbClusterResourceId');
  if (idOrArn === undefined && resourceId === undefined) {
    invalidCombination('Either SourceDBClusterIdentifier or SourceDbClusterResourceId must be specified.');
  }
  let found: ClusterRec | undefined;
  if (idOrArn !== undefined) {
    const arn = parseArn(idOrArn);
    found = arn
      ? Object.values(rt.state.clusters).find((c) => c.arn === idOrArn && c.region === region)
      : rt.state.clusters[rkey(region, idOrArn.toLowerCase())];
    if (!found) fail('DBClusterNotFoundFault', `DBCluster ${arn ? arn.resourceId : idOrArn} not found.`);
  } else {
    // Retained automated backups of deleted clusters are not modelled: only a live cluster's resource id.
    found = Object.values(rt.state.clusters).find((c) => c.resourceId === resourceId && c.region === region);
    if (!found) fail('DBClusterAutomatedBackupNotFoundFault', `No automated backup found for DB cluster resource ${resourceId}.`);
  }
  return found;
}

/** RestoreToTime or UseLatestRestorableTime, checked against the source's window; the moment in ms. */
function restoreMoment(rt: Runtime, input: Record<string, unknown>, source: ClusterRec, restoreType: string): number {
  const useLatest = optBool(input, 'UseLatestRestorableTime') ?? false;
  const given = input['RestoreToTime'];
  if (given !== undefined && given !== null && useLatest) {
    invalidCombination('Cannot specify both RestoreToTime and UseLatestRestorableTime.');
  }
  if ((given === undefined || given === null) && !useLatest) {
    invalidCombination('Either RestoreToTime or UseLatestRestorableTime must be specified.');
  }
  if (given !== undefined && given !== null && restoreType === 'copy-on-write') {
    invalidCombination('RestoreToTime cannot be specified when RestoreType is copy-on-write: a clone is made at the latest restorable time.');
  }
  const window = restorableWindow(rt, source);
  if (!window || NO_WINDOW.has(source.status)) {
    fail('InvalidDBClusterStateFault', `DBCluster ${source.id} is not in a restorable state (current state: ${source.status}).`);
  }
  if (useLatest) return window.latest;
  const at = toMillis(given, 'RestoreToTime');
  if (at < window.earliest || at > window.latest) {
    fail(
      'InvalidRestoreFault',
      `The restore time ${new Date(at).toISOString()} is outside the restorable window of DB cluster ${source.id}: ` +
        `${new Date(window.earliest).toISOString()} to ${new Date(window.latest).toISOString()}.`,
    );
  }
  return at;
}

export const pitrHandlers: Record<string, Handler> = {
  RestoreDBClusterToPointInTime(rt, input, region) {
    const id = restoredClusterId(rt, input, region);
    const restoreType = optStr(input, 'RestoreType') ?? 'full-copy';
    if (!RESTORE_TYPES.includes(restoreType)) invalidValue(`Invalid RestoreType: ${restoreType}. Valid values: ${RESTORE_TYPES.join(', ')}.`);
    const source = sourceCluster(rt, input, region);
    const restoreTime = restoreMoment(rt, input, source, restoreType);
    const info = resolveVersion(rt, source.engine, source.engineVersion);
    const serverlessV2 = checkScaling(rt, input, source.engine, info.version) ?? source.serverlessV2;
    const retention = optNum(input, 'BackupRetentionPeriod');
    if (retention !== undefined && (retention < 1 || retention > 35)) invalidValue('BackupRetentionPeriod must be between 1 and 35 days for an Aurora DB cluster.');
    return launchRestoredCluster(rt, input, region, id, {
      engine: source.engine,
      info,
      masterUsername: source.masterUsername,
      masterPassword: source.masterPassword,
      ...(source.databaseName ? { databaseName: source.databaseName } : {}),
      port: source.port,
      subnetGroup: source.subnetGroup,
      iamAuth: source.iamAuth,
      storageEncrypted: source.storageEncrypted,
      ...(source.kmsKeyId ? { kmsKeyId: source.kmsKeyId } : {}),
      ...(serverlessV2 ? { serverlessV2 } : {}),
      backupRetentionPeriod: source.backupRetentionPeriod,
      origin: { restoredToTime: { sourceClusterId: source.id, restoreTime } },
    });
  },
};
