/** Records -> the SDK's output shapes (DBCluster, DBInstance, DBClusterSnapshot, DBSnapshot, GlobalCluster). */
import { isAurora } from './rds-catalog.js';
import { clusterInstances } from './rds-common.js';
import { endpointHash, hostedZoneId } from './ids.js';
import { tagsOut } from './input.js';
import type { Output, Runtime } from './runtime.js';
import { restorableWindow } from './rds-pitr.js';
import { masterUserSecretOut } from './secrets.js';
import type { ClusterRec, ClusterSnapshotRec, DbSnapshotRec, GlobalClusterRec, InstanceRec } from './state.js';

const BACKUP_WINDOW = '07:00-07:30';
const MAINTENANCE_WINDOW = 'sun:05:00-sun:05:30';

function sgs(ids: string[]): Output[] {
  return ids.map((id) => ({ VpcSecurityGroupId: id, Status: 'active' }));
}

export function clusterOut(rt: Runtime, c: ClusterRec): Output {
  const members = clusterInstances(rt, c);
  const azs = [...new Set(members.map((i) => i.availabilityZone))];
  // One Port for every endpoint, as on AWS; only a local target that must put all endpoints on 127.0.0.1
  // gives the reader endpoint a port of its own, which then has to travel in the address.
  const window = restorableWindow(rt, c);
  const readerEndpoint =
    c.readerEndpoint && c.readerPort !== undefined && c.readerPort !== c.port ? `${c.readerEndpoint}:${c.readerPort}` : c.readerEndpoint;
  return {
    DBClusterIdentifier: c.id,
    DBClusterArn: c.arn,
    DbClusterResourceId: c.resourceId,
    Status: c.status,
    Engine: c.engine,
    EngineVersion: c.engineVersion,
    EngineMode: 'provisioned',
    ...(c.endpoint ? { Endpoint: c.endpoint } : {}),
    ...(readerEndpoint ? { ReaderEndpoint: readerEndpoint } : {}),
    Port: c.port,
    MasterUsername: c.masterUsername,
    ...(c.databaseName ? { DatabaseName: c.databaseName } : {}),
    DBClusterMembers: members.map((i) => ({
      DBInstanceIdentifier: i.id,
      IsClusterWriter: i.id === c.writer,
      DBClusterParameterGroupStatus: 'in-sync',
      PromotionTier: i.promotionTier,
    })),
    AvailabilityZones: ['a', 'b', 'c'].map((s) => `${c.region}${s}`),
    MultiAZ: azs.length > 1,
    AllocatedStorage: 1,
    BackupRetentionPeriod: c.backupRetentionPeriod,
    PreferredBackupWindow: BACKUP_WINDOW,
    PreferredMaintenanceWindow: MAINTENANCE_WINDOW,
    DBSubnetGroup: c.subnetGroup,
    DBClusterParameterGroup: c.clusterParameterGroup,
    VpcSecurityGroups: sgs(c.securityGroupIds),
    HostedZoneId: hostedZoneId(c.region),
    StorageEncrypted: c.storageEncrypted,
    ...(c.kmsKeyId ? { KmsKeyId: c.kmsKeyId } : {}),
    StorageType: 'aurora',
    IAMDatabaseAuthenticationEnabled: c.iamAuth,
    ClusterCreateTime: new Date(c.createdAt),
    ...(window ? { EarliestRestorableTime: new Date(window.earliest), LatestRestorableTime: new Date(window.latest) } : {}),
    DeletionProtection: c.deletionProtection,
    CopyTagsToSnapshot: c.copyTagsToSnapshot,
    HttpEndpointEnabled: false,
    CrossAccountClone: false,
    ReadReplicaIdentifiers: [],
    AssociatedRoles: [],
    DomainMemberships: [],
    DBClusterOptionGroupMemberships: [],
    NetworkType: 'IPV4',
    AutoMinorVersionUpgrade: true,
    PerformanceInsightsEnabled: c.performanceInsights,
    ...(c.serverlessV2 ? { ServerlessV2ScalingConfiguration: { ...c.serverlessV2 } } : {}),
    ...(c.globalClusterId ? { GlobalClusterIdentifier: c.globalClusterId } : {}),
    ...(c.status === 'stopped' && c.stoppedAt !== undefined ? { AutomaticRestartTime: new Date(c.stoppedAt + STOPPED_MAX_MS) } : {}),
    ...masterUserSecretOut(c.secret),
    TagList: tagsOut(c.tags),
  };
}

/** A stopped cluster starts again by itself after seven days. */
export const STOPPED_MAX_MS = 7 * 24 * 3600 * 1000;

export function instanceOut(rt: Runtime, i: InstanceRec): Output {
  const cluster = i.clusterId ? rt.state.clusters[`${i.region}/${i.clusterId}`] : undefined;
  const aurora = isAurora(i.engine);
  return {
    DBInstanceIdentifier: i.id,
    DBInstanceArn: i.arn,
    DbiResourceId: i.resourceId,
    DBInstanceClass: i.instanceClass,
    Engine: i.engine,
    EngineVersion: i.engineVersion,
    DBInstanceStatus: i.status,
    ...(i.address && i.status !== 'creating' ? { Endpoint: { Address: i.address, Port: i.port, HostedZoneId: hostedZoneId(i.region) } } : {}),
    MasterUsername: cluster?.masterUsername ?? i.masterUsername,
    ...((cluster?.databaseName ?? i.dbName) ? { DBName: cluster?.databaseName ?? i.dbName } : {}),
    AllocatedStorage: aurora ? 1 : (i.allocatedStorage ?? 20),
    InstanceCreateTime: new Date(i.createdAt),
    PreferredBackupWindow: BACKUP_WINDOW,
    PreferredMaintenanceWindow: MAINTENANCE_WINDOW,
    BackupRetentionPeriod: cluster?.backupRetentionPeriod ?? 1,
    DBSecurityGroups: [],
    VpcSecurityGroups: sgs(cluster?.securityGroupIds ?? i.securityGroupIds),
    DBParameterGroups: [{ DBParameterGroupName: i.parameterGroup, ParameterApplyStatus: 'in-sync' }],
    AvailabilityZone: i.availabilityZone,
    DBSubnetGroup: { DBSubnetGroupName: i.subnetGroup, SubnetGroupStatus: 'Complete' },
    PendingModifiedValues: {},
    MultiAZ: false,
    AutoMinorVersionUpgrade: true,
    ReadReplicaDBInstanceIdentifiers: [],
    ReadReplicaDBClusterIdentifiers: [],
    LicenseModel: i.engine.includes('postgres') ? 'postgresql-license' : 'general-public-license',
    OptionGroupMemberships: [],
    PubliclyAccessible: i.publiclyAccessible,
    StorageType: aurora ? 'aurora' : 'gp3',
    DbInstancePort: 0,
    ...(i.clusterId ? { DBClusterIdentifier: i.clusterId } : {}),
    StorageEncrypted: cluster?.storageEncrypted ?? i.storageEncrypted,
    CACertificateIdentifier: 'rds-ca-rsa2048-g1',
    DomainMemberships: [],
    CopyTagsToSnapshot: false,
    MonitoringInterval: 0,
    PromotionTier: i.promotionTier,
    IAMDatabaseAuthenticationEnabled: cluster?.iamAuth ?? i.iamAuth,
    PerformanceInsightsEnabled: i.performanceInsights,
    ...(i.performanceInsights ? { PerformanceInsightsRetentionPeriod: 7 } : {}),
    DeletionProtection: i.deletionProtection,
    AssociatedRoles: [],
    NetworkType: 'IPV4',
    CustomerOwnedIpEnabled: false,
    ...masterUserSecretOut(i.secret),
    TagList: tagsOut(i.tags),
  };
}

export function clusterSnapshotOut(rt: Runtime, s: ClusterSnapshotRec): Output {
  return {
    DBClusterSnapshotIdentifier: s.id,
    DBClusterSnapshotArn: s.arn,
    DBClusterIdentifier: s.clusterId,
    DbClusterResourceId: s.clusterResourceId,
    SnapshotCreateTime: new Date(s.createdAt),
    ClusterCreateTime: new Date(s.clusterCreatedAt),
    Engine: s.engine,
    EngineMode: 'provisioned',
    EngineVersion: s.engineVersion,
    AllocatedStorage: 0,
    Status: s.status,
    Port: 0,
    MasterUsername: s.masterUsername,
    LicenseModel: s.engine.includes('postgres') ? 'postgresql-license' : 'general-public-license',
    SnapshotType: s.snapshotType,
    PercentProgress: s.status === 'creating' ? 0 : 100,
    StorageEncrypted: s.storageEncrypted,
    IAMDatabaseAuthenticationEnabled: s.iamAuth,
    AvailabilityZones: ['a', 'b', 'c'].map((x) => `${s.region}${x}`),
    StorageType: 'aurora',
    TagList: tagsOut(s.tags),
  };
}

export function dbSnapshotOut(_rt: Runtime, s: DbSnapshotRec): Output {
  return {
    DBSnapshotIdentifier: s.id,
    DBSnapshotArn: s.arn,
    DBInstanceIdentifier: s.instanceId,
    DbiResourceId: s.instanceResourceId,
    SnapshotCreateTime: new Date(s.createdAt),
    InstanceCreateTime: new Date(s.instanceCreatedAt),
    Engine: s.engine,
    EngineVersion: s.engineVersion,
    AllocatedStorage: s.allocatedStorage,
    Status: s.status,
    Port: s.port,
    AvailabilityZone: s.availabilityZone,
    MasterUsername: s.masterUsername,
    LicenseModel: s.engine.includes('postgres') ? 'postgresql-license' : 'general-public-license',
    SnapshotType: 'manual',
    PercentProgress: s.status === 'creating' ? 0 : 100,
    StorageType: 'gp3',
    Encrypted: s.storageEncrypted,
    IAMDatabaseAuthenticationEnabled: s.iamAuth,
    ProcessorFeatures: [],
    TagList: tagsOut(s.tags),
  };
}

export function globalOut(rt: Runtime, g: GlobalClusterRec): Output {
  return {
    GlobalClusterIdentifier: g.id,
    GlobalClusterResourceId: g.resourceId,
    GlobalClusterArn: g.arn,
    Status: g.status,
    Engine: g.engine,
    EngineVersion: g.engineVersion,
    ...(g.databaseName ? { DatabaseName: g.databaseName } : {}),
    StorageEncrypted: g.storageEncrypted,
    DeletionProtection: g.deletionProtection,
    Endpoint: `${g.id}.global-${endpointHash(rt.accountId, 'global')}.global.rds.amazonaws.com`,
    GlobalClusterMembers: g.members.map((m) => ({
      DBClusterArn: m.clusterArn,
      Readers: m.isWriter ? g.members.filter((x) => !x.isWriter).map((x) => x.clusterArn) : [],
      IsWriter: m.isWriter,
      ...(m.isWriter ? {} : { SynchronizationStatus: m.resyncUntil !== undefined && rt.now() < m.resyncUntil ? 'pending-resync' : 'connected' }),
      GlobalWriteForwardingStatus: 'disabled',
    })),
    ...(g.failover
      ? {
          FailoverState: {
            Status: g.failover.status,
            FromDbClusterArn: g.failover.fromArn,
            ToDbClusterArn: g.failover.toArn,
            IsDataLossAllowed: g.failover.dataLoss,
          },
        }
      : {}),
    TagList: tagsOut(g.tags),
  };
}
