/**
 * What RestoreDBClusterFromSnapshot and RestoreDBClusterToPointInTime share: the checks before a
 * restored cluster may exist (its identifier, a clash, the per-region quota) and the cluster record
 * they launch, built from what the source carries plus what the call overrides. Each restore decides
 * only its source's values (engine and version, master user, port and subnet group defaults,
 * encryption, the Serverless v2 range, retention) and where the data came from.
 */
import { fail } from './errors.js';
import { clusterResourceId, rdsArn } from './ids.js';
import { optBool, optNum, optStr, reqId, strList, tagList } from './input.js';
import type { resolveVersion } from './rds-catalog.js';
import { launchCluster } from './rds-clusters.js';
import { checkIdentifier, countInRegion } from './rds-common.js';
import { clusterOut } from './rds-format.js';
import { checkSecurityGroups, resolveParameterGroup, resolveSubnetGroup } from './rds-groups.js';
import type { Runtime } from './runtime.js';
import { defaultSecurityGroupId } from './ec2.js';
import { rkey, type ClusterRec } from './state.js';

/** The new cluster's identifier, once it is valid, free, and within the region's cluster quota. */
export function restoredClusterId(rt: Runtime, input: Record<string, unknown>, region: string): string {
  const id = reqId(input, 'DBClusterIdentifier');
  checkIdentifier('DBClusterIdentifier', id);
  if (rt.state.clusters[rkey(region, id)]) fail('DBClusterAlreadyExistsFault', 'DB Cluster already exists');
  if (countInRegion(rt.state.clusters, region) >= rt.quotas.clustersPerRegion) {
    fail('DBClusterQuotaExceededFault', 'The request cannot be processed because it would exceed the maximum number of DBClusters.');
  }
  return id;
}

/** The source's values, before the call's own members override them. */
export interface RestoreSource {
  engine: string;
  info: ReturnType<typeof resolveVersion>;
  masterUsername: string;
  masterPassword: string;
  databaseName?: string;
  port: number;
  /** The subnet group when the call names none (undefined: the default one). */
  subnetGroup?: string;
  iamAuth: boolean;
  storageEncrypted: boolean;
  /** The key when the call names none; only for an encrypted source. */
  kmsKeyId?: string;
  serverlessV2?: ClusterRec['serverlessV2'];
  backupRetentionPeriod: number;
  /** Where the data came from: restoredFrom (a snapshot) or restoredToTime (a moment of a cluster). */
  origin: Pick<ClusterRec, 'restoredFrom' | 'restoredToTime'>;
}

/** Build, launch and describe the restored cluster. */
export function launchRestoredCluster(rt: Runtime, input: Record<string, unknown>, region: string, id: string, src: RestoreSource): { DBCluster: unknown } {
  const sgIds = strList(input, 'VpcSecurityGroupIds');
  checkSecurityGroups(rt, region, sgIds);
  const c: ClusterRec = {
    id,
    region,
    arn: rdsArn(region, rt.accountId, 'cluster', id),
    status: 'creating',
    createdAt: rt.now(),
    tags: tagList(input),
    resourceId: clusterResourceId(),
    engine: src.engine,
    engineVersion: src.info.version,
    port: optNum(input, 'Port') ?? src.port,
    masterUsername: src.masterUsername,
    masterPassword: src.masterPassword,
    ...(src.databaseName ? { databaseName: src.databaseName } : {}),
    subnetGroup: resolveSubnetGroup(rt, region, optStr(input, 'DBSubnetGroupName') ?? src.subnetGroup),
    clusterParameterGroup: resolveParameterGroup(rt, region, 'cluster', optStr(input, 'DBClusterParameterGroupName'), src.info.family),
    securityGroupIds: sgIds.length > 0 ? sgIds : [defaultSecurityGroupId(rt, region)],
    deletionProtection: optBool(input, 'DeletionProtection') ?? false,
    iamAuth: optBool(input, 'EnableIAMDatabaseAuthentication') ?? src.iamAuth,
    storageEncrypted: src.storageEncrypted,
    ...(src.storageEncrypted ? { kmsKeyId: optStr(input, 'KmsKeyId') ?? src.kmsKeyId } : {}),
    performanceInsights: optBool(input, 'EnablePerformanceInsights') ?? false,
    ...(src.serverlessV2 ? { serverlessV2: { ...src.serverlessV2 } } : {}),
    copyTagsToSnapshot: optBool(input, 'CopyTagsToSnapshot') ?? false,
    backupRetentionPeriod: optNum(input, 'BackupRetentionPeriod') ?? src.backupRetentionPeriod,
    ...src.origin,
  };
  launchCluster(rt, c);
  return { DBCluster: clusterOut(rt, c) };
}
