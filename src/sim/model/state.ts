/**
 * The simulated account as plain JSON. Everything the model knows lives here, including what is
 * about to happen (`pending` transitions with a `readyAt`), so a dry run can save the account after
 * every step and resume it later. Identifiers are stored lower-cased, as RDS does.
 */

export interface Tag {
  Key: string;
  Value: string;
}

/**
 * What happens to a resource when its pending transition completes. Data, not closures, so that
 * the transition survives toJSON/fromJSON.
 */
export type Effect =
  | { kind: 'none' }
  | { kind: 'remove' }
  | { kind: 'set-writer'; instanceId: string }
  | { kind: 'global-switch'; targetArn: string; dataLoss: boolean; writerId?: string }
  | { kind: 'cluster-members'; status: string };

export interface Transition {
  /** Status the resource takes when the transition completes. */
  status: string;
  /** Not before this time (ms since epoch, on the model's clock). */
  readyAt: number;
  effect: Effect;
  /**
   * Key of the data-plane operation this transition waits for. Operations live in memory only: after
   * fromJSON an unknown key counts as done.
   */
  gate?: string;
  /** Status to take instead if the data-plane operation fails (the effect is skipped, except remove). */
  failStatus: string;
}

interface Base {
  id: string;
  region: string;
  arn: string;
  status: string;
  createdAt: number;
  tags: Tag[];
  pending?: Transition;
}

export interface MasterSecret {
  arn: string;
  kmsKeyId: string;
}

export interface ClusterRec extends Base {
  resourceId: string;
  engine: string;
  engineVersion: string;
  port: number;
  masterUsername: string;
  masterPassword: string;
  secret?: MasterSecret;
  databaseName?: string;
  endpoint?: string;
  readerEndpoint?: string;
  readerPort?: number;
  writer?: string;
  subnetGroup: string;
  clusterParameterGroup: string;
  securityGroupIds: string[];
  deletionProtection: boolean;
  iamAuth: boolean;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  performanceInsights: boolean;
  serverlessV2?: { MinCapacity?: number; MaxCapacity?: number; SecondsUntilAutoPause?: number };
  globalClusterId?: string;
  copyTagsToSnapshot: boolean;
  backupRetentionPeriod: number;
  stoppedAt?: number;
  restoredFrom?: { snapshotId: string; kind: 'cluster' | 'instance' };
  /** RestoreDBClusterToPointInTime: the source cluster (same region) and the moment restored to (ms). */
  restoredToTime?: { sourceClusterId: string; restoreTime: number };
  /** EnableCloudwatchLogsExports: the log types published to /aws/rds/cluster/<id>/<type>. */
  logExports?: string[];
}

export interface InstanceRec extends Base {
  resourceId: string;
  instanceClass: string;
  engine: string;
  engineVersion: string;
  clusterId?: string;
  promotionTier: number;
  availabilityZone: string;
  publiclyAccessible: boolean;
  performanceInsights: boolean;
  address?: string;
  port: number;
  /** Standalone instances only. */
  masterUsername?: string;
  masterPassword?: string;
  secret?: MasterSecret;
  dbName?: string;
  allocatedStorage?: number;
  securityGroupIds: string[];
  subnetGroup: string;
  parameterGroup: string;
  deletionProtection: boolean;
  iamAuth: boolean;
  storageEncrypted: boolean;
  /** Enhanced Monitoring: seconds between OS samples (0: off) and the role RDS publishes them with. */
  monitoringInterval?: number;
  monitoringRoleArn?: string;
  /** When Enhanced Monitoring was turned on by ModifyDBInstance (else it runs from the creation). */
  monitoringSince?: number;
}

export interface ClusterSnapshotRec extends Base {
  clusterId: string;
  clusterResourceId: string;
  engine: string;
  engineVersion: string;
  port: number;
  masterUsername: string;
  masterPassword: string;
  databaseName?: string;
  clusterCreatedAt: number;
  storageEncrypted: boolean;
  iamAuth: boolean;
  snapshotType: 'manual' | 'automated';
}

export interface DbSnapshotRec extends Base {
  instanceId: string;
  instanceResourceId: string;
  engine: string;
  engineVersion: string;
  port: number;
  masterUsername: string;
  masterPassword: string;
  dbName?: string;
  allocatedStorage: number;
  availabilityZone: string;
  instanceCreatedAt: number;
  iamAuth: boolean;
  storageEncrypted: boolean;
}

export interface GlobalMember {
  clusterArn: string;
  isWriter: boolean;
  /** An old primary after a failover with data loss is rebuilt from the new one: pending-resync until then (ms, the model's clock). */
  resyncUntil?: number;
}

export interface GlobalClusterRec extends Omit<Base, 'region'> {
  resourceId: string;
  engine: string;
  engineVersion: string;
  databaseName?: string;
  deletionProtection: boolean;
  storageEncrypted: boolean;
  members: GlobalMember[];
  failover?: { status: string; fromArn: string; toArn: string; dataLoss: boolean };
}

export interface SubnetGroupRec {
  name: string;
  region: string;
  arn: string;
  description: string;
  vpcId: string;
  subnetIds: string[];
  tags: Tag[];
}

export interface ParameterGroupRec {
  name: string;
  region: string;
  arn: string;
  family: string;
  description: string;
  kind: 'cluster' | 'instance';
  tags: Tag[];
  /** Parameters set with Modify(DB|DBCluster)ParameterGroup: name -> value and how it applies. */
  parameters?: Record<string, { value: string; applyMethod: string }>;
}

export interface IpPermission {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  IpRanges: { CidrIp: string; Description?: string }[];
}

export interface SecurityGroupRec {
  groupId: string;
  region: string;
  name: string;
  description: string;
  vpcId: string;
  ingress: IpPermission[];
  tags: Tag[];
  isDefault: boolean;
}

export interface SecretRec {
  arn: string;
  name: string;
  region: string;
  kmsKeyId: string;
  secretString: string;
  versionId: string;
  createdAt: number;
  ownerArn: string;
  tags: Tag[];
}

/** A resource the tagging API still reports for a while after it is gone. */
export interface Tombstone {
  arn: string;
  region: string;
  resourceType: string;
  tags: Tag[];
  deletedAt: number;
}

export interface DataPlaneFailure {
  resource: string;
  operation: string;
  message: string;
  at: number;
}

/**
 * One transition as the model timed it (simulated-AWS timing mode): the critical path of a run is the
 * longest chain through `after`, each entry counted for its own `durationMs`.
 */
export interface TimelineEntry {
  seq: number;
  arn: string;
  kind: string;
  /** The resource this one belongs to (an instance's cluster): deleting the parent waits for it. */
  parentArn?: string;
  calledAt: number;
  readyAt: number;
  durationMs: number;
  /** Entries that had to finish before this one could start (same resource, parent, source). */
  after: number[];
}

export interface SimState {
  version: 1;
  accountId: string;
  clusters: Record<string, ClusterRec>;
  instances: Record<string, InstanceRec>;
  clusterSnapshots: Record<string, ClusterSnapshotRec>;
  dbSnapshots: Record<string, DbSnapshotRec>;
  globalClusters: Record<string, GlobalClusterRec>;
  subnetGroups: Record<string, SubnetGroupRec>;
  parameterGroups: Record<string, ParameterGroupRec>;
  securityGroups: Record<string, SecurityGroupRec>;
  secrets: Record<string, SecretRec>;
  tombstones: Tombstone[];
  failures: DataPlaneFailure[];
  /** Present in the simulated-AWS timing mode (older saved states have none). */
  timeline?: TimelineEntry[];
  /**
   * The dry run's virtual clock: where it started and where it stands; `flowing` for the instant
   * mode's (real time passes, sleeps are skipped; aheadMs: how far ahead of real time the skipped
   * sleeps put it), absent for the simulated-AWS timing mode's.
   */
  clock?: { startMs: number; nowMs: number; flowing?: true; aheadMs?: number };
  /** CloudWatch Logs, by region/name (older saved states have none). */
  logGroups?: Record<string, LogGroupRec>;
  /** IAM roles, account-wide, by lower-cased name. */
  roles?: Record<string, RoleRec>;
  /** CloudWatch metric alarms, by region/name. */
  alarms?: Record<string, AlarmRec>;
}

export interface LogEventRec {
  timestamp: number;
  message: string;
  ingestionTime: number;
  eventId: string;
}

export interface LogGroupRec {
  name: string;
  region: string;
  arn: string;
  createdAt: number;
  retentionInDays?: number;
  tags: Record<string, string>;
  /** Stream name -> events, oldest first. */
  streams: Record<string, { createdAt: number; events: LogEventRec[] }>;
}

export interface RoleRec {
  name: string;
  path: string;
  arn: string;
  roleId: string;
  createdAt: number;
  description?: string;
  assumeRolePolicyDocument: string;
  attachedPolicies: string[];
  tags: Tag[];
}

export interface AlarmRec {
  name: string;
  region: string;
  arn: string;
  /** The PutMetricAlarm input as given (metric, statistic, period, threshold, comparison ...). */
  config: Record<string, unknown>;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  stateReason: string;
  stateReasonData?: string;
  stateUpdatedAt: number;
  configUpdatedAt: number;
  /** The end of the last period evaluated: each read evaluates every period ended since. */
  evaluatedUntil?: number;
  tags: Tag[];
  history: { timestamp: number; type: 'ConfigurationUpdate' | 'StateUpdate' | 'Action'; summary: string; data: string }[];
}

export function emptyState(accountId: string): SimState {
  return {
    version: 1,
    accountId,
    clusters: {},
    instances: {},
    clusterSnapshots: {},
    dbSnapshots: {},
    globalClusters: {},
    subnetGroups: {},
    parameterGroups: {},
    securityGroups: {},
    secrets: {},
    tombstones: [],
    failures: [],
  };
}

/** Key of a regional resource in the state's records. */
export function rkey(region: string, id: string): string {
  return `${region}/${id}`;
}
