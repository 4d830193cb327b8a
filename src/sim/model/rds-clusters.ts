/** Aurora DB clusters: create, describe, modify, delete, stop/start, failover. */
import type { ClusterSettings, ClusterSpec } from '../data-plane.js';
import { fail, invalidCombination, invalidValue } from './errors.js';
import { clusterResourceId, endpointHash, rdsArn } from './ids.js';
import { filters, filterValues, optBool, optId, optNum, optStr, reqId, reqStr, strList, tagList } from './input.js';
import { defaultPort, findVersion, isAurora, resolveVersion } from './rds-catalog.js';
import { checkIdentifier, clusterChain, clusterInstances, countInRegion, getCluster, getInstance, live, pickFailoverTarget, queueModifyWork } from './rds-common.js';
import { clusterOut } from './rds-format.js';
import { checkSecurityGroups, resolveParameterGroup, resolveSubnetGroup } from './rds-groups.js';
import { applyLogExportChange, logExportsOf } from './rds-monitoring.js';
import { createClusterSnapshotRecord } from './rds-snapshots.js';
import type { Handler, Input, Runtime } from './runtime.js';
import { createManagedSecret, deleteManagedSecret, rotateManagedSecret } from './secrets.js';
import { defaultSecurityGroupId } from './ec2.js';
import { rkey, type ClusterRec } from './state.js';

export function defaultKmsKey(rt: Runtime, region: string): string {
  return `arn:aws:kms:${region}:${rt.accountId}:key/aws-rds-${endpointHash(rt.accountId, region)}`;
}

export function checkScaling(rt: Runtime, input: Input, engine: string, version: string): ClusterRec['serverlessV2'] {
  const cfg = input['ServerlessV2ScalingConfiguration'] as Input | undefined;
  if (!cfg) return undefined;
  const min = optNum(cfg, 'MinCapacity');
  const max = optNum(cfg, 'MaxCapacity');
  const pause = optNum(cfg, 'SecondsUntilAutoPause');
  if (min === undefined || max === undefined) invalidValue('ServerlessV2ScalingConfiguration needs both MinCapacity and MaxCapacity.');
  if (min * 2 !== Math.round(min * 2) || max * 2 !== Math.round(max * 2)) invalidValue('Capacity must be set in increments of 0.5 ACU.');
  if (min < 0 || max > 256 || max < 1 || max < min) invalidValue(`Invalid Serverless v2 capacity range: MinCapacity ${min}, MaxCapacity ${max}.`);
  if (min === 0 && !findVersion(rt, engine, version)?.minCapacityZero) {
    invalidValue(`MinCapacity 0 isn't supported for ${engine} ${version}. Upgrade to a version that supports automatic pause.`);
  }
  if (pause !== undefined && (pause < 300 || pause > 86400)) invalidValue('SecondsUntilAutoPause must be between 300 and 86400.');
  return { MinCapacity: min, MaxCapacity: max, ...(pause !== undefined ? { SecondsUntilAutoPause: pause } : {}) };
}

/** What the data plane needs to know of a cluster's settings. */
export function clusterSettings(c: ClusterRec): ClusterSettings {
  const s = c.serverlessV2;
  return {
    iamAuth: c.iamAuth,
    performanceInsights: c.performanceInsights,
    ...(s && s.MinCapacity !== undefined && s.MaxCapacity !== undefined
      ? { serverless: { minCapacity: s.MinCapacity, maxCapacity: s.MaxCapacity, ...(s.SecondsUntilAutoPause !== undefined ? { secondsUntilAutoPause: s.SecondsUntilAutoPause } : {}) } }
      : {}),
  };
}

/** A cluster joining a global database that already has a primary becomes its secondary. */
function globalPrimaryOf(rt: Runtime, c: ClusterRec): Pick<ClusterSpec, 'globalPrimary'> {
  const g = c.globalClusterId ? rt.state.globalClusters[c.globalClusterId] : undefined;
  const primaryArn = g?.members.find((m) => m.isWriter && m.clusterArn !== c.arn)?.clusterArn;
  const primary = primaryArn ? Object.values(rt.state.clusters).find((x) => x.arn === primaryArn) : undefined;
  return primary ? { globalPrimary: { region: primary.region, clusterId: primary.id } } : {};
}

/** Store a new cluster and start it: endpoints from the data plane, or synthesized AWS-like ones. */
export function launchCluster(rt: Runtime, c: ClusterRec): void {
  rt.state.clusters[rkey(c.region, c.id)] = c;
  const spec: ClusterSpec = {
    clusterId: c.id,
    region: c.region,
    engine: c.engine,
    engineVersion: c.engineVersion,
    port: c.port,
    masterUsername: c.masterUsername,
    masterPassword: c.masterPassword,
    ...(c.databaseName ? { databaseName: c.databaseName } : {}),
    ...(c.restoredFrom ? { fromSnapshot: c.restoredFrom } : {}),
    ...(c.restoredToTime ? { fromPointInTime: { sourceClusterId: c.restoredToTime.sourceClusterId, restoreTime: new Date(c.restoredToTime.restoreTime) } } : {}),
    ...clusterSettings(c),
    ...globalPrimaryOf(rt, c),
  };
  const gate = rt.runDataPlane(clusterChain(c), c.arn, 'createCluster', (dp) => dp.createCluster(spec), (res) => {
    const now = rt.state.clusters[rkey(c.region, c.id)];
    if (now?.resourceId !== c.resourceId) return;
    now.endpoint = res.endpoint.address;
    now.port = res.endpoint.port;
    now.readerEndpoint = res.readerEndpoint.address;
    now.readerPort = res.readerEndpoint.port;
  });
  if (!gate) {
    const hash = endpointHash(rt.accountId, c.region);
    c.endpoint = `${c.id}.cluster-${hash}.${c.region}.rds.amazonaws.com`;
    c.readerEndpoint = `${c.id}.cluster-ro-${hash}.${c.region}.rds.amazonaws.com`;
  }
  rt.schedule(c, 'creating', 'available', launchDelay(rt, c), { kind: 'none' }, gate);
}

/** A new cluster, a restore (after its snapshot) or a global secondary (after the global cluster and its primary). */
function launchDelay(rt: Runtime, c: ClusterRec): number {
  if (c.restoredFrom) {
    const snaps = c.restoredFrom.kind === 'cluster' ? rt.state.clusterSnapshots : rt.state.dbSnapshots;
    const snap = snaps[rkey(c.region, c.restoredFrom.snapshotId)];
    return rt.timed('cluster-restore', c, { after: snap ? [snap] : [] });
  }
  if (c.restoredToTime) {
    // A point-in-time restore reads what the source's instances wrote, so it follows them.
    const source = rt.state.clusters[rkey(c.region, c.restoredToTime.sourceClusterId.toLowerCase())];
    return rt.timed('cluster-restore', c, source ? { after: [source], afterChildrenOf: source.arn } : {});
  }
  const g = c.globalClusterId ? rt.state.globalClusters[c.globalClusterId] : undefined;
  const primaryArn = g?.members.find((m) => m.isWriter && m.clusterArn !== c.arn)?.clusterArn;
  // A secondary copies the primary's volume through its writer: it starts once the primary has one.
  if (g && primaryArn) return rt.timed('global-secondary-create', c, { after: [g, { arn: primaryArn }], afterChildrenOf: primaryArn });
  return rt.timed('cluster-create', c);
}

/** Secrets Manager cannot manage the master password of a global database's member clusters. */
export const GLOBAL_MANAGED_PASSWORD = 'ManageMasterUserPassword is not supported for DB clusters that are part of a global database.';

export function passwordChoice(input: Input): { manage: boolean; password?: string } {
  const manage = optBool(input, 'ManageMasterUserPassword') ?? false;
  const password = optStr(input, 'MasterUserPassword');
  if (manage && password !== undefined) invalidCombination('You cannot specify MasterUserPassword when ManageMasterUserPassword is enabled.');
  if (!manage && (password === undefined || password === '')) invalidValue('The parameter MasterUserPassword must be provided and must not be blank.');
  if (password !== undefined && (password.length < 8 || /[/@" ]/.test(password))) {
    invalidValue('The parameter MasterUserPassword is not a valid password. Only printable ASCII characters besides \'/\', \'@\', \'"\', \' \' may be used, with at least 8 characters.');
  }
  return { manage, ...(password !== undefined ? { password } : {}) };
}

const createDBCluster: Handler = (rt, input, region) => {
  const id = reqId(input, 'DBClusterIdentifier');
  checkIdentifier('DBClusterIdentifier', id);
  if (rt.state.clusters[rkey(region, id)]) fail('DBClusterAlreadyExistsFault', 'DB Cluster already exists');
  const engine = reqStr(input, 'Engine');
  if (!isAurora(engine)) invalidValue(`Invalid DB engine: ${engine}`);
  if (countInRegion(rt.state.clusters, region) >= rt.quotas.clustersPerRegion) {
    fail('DBClusterQuotaExceededFault', 'The request cannot be processed because it would exceed the maximum number of DBClusters.');
  }
  const globalId = optId(input, 'GlobalClusterIdentifier');
  const global = globalId ? rt.state.globalClusters[globalId] : undefined;
  if (globalId && !global) fail('GlobalClusterNotFoundFault', `Global cluster ${globalId} not found.`);
  const primaryMember = global?.members.find((m) => m.isWriter);
  const primary = primaryMember ? Object.values(rt.state.clusters).find((x) => x.arn === primaryMember.clusterArn) : undefined;
  if (global && engine !== global.engine) invalidCombination(`The engine ${engine} doesn't match the global cluster's engine ${global.engine}.`);
  const version = resolveVersion(rt, engine, optStr(input, 'EngineVersion') ?? global?.engineVersion);
  if (global && version.version !== global.engineVersion) invalidCombination(`The engine version must be ${global.engineVersion} to join global cluster ${global.id}.`);
  if (global?.members.some((m) => m.clusterArn.split(':')[3] === region)) {
    invalidValue(`Global cluster ${global.id} already has a member in ${region}.`);
  }
  let masterUsername: string;
  let password: string;
  let manage = false;
  if (primary) {
    if (input['MasterUsername'] !== undefined || input['MasterUserPassword'] !== undefined) {
      invalidCombination('A secondary cluster of a global database takes its master user from the primary cluster: omit MasterUsername and MasterUserPassword.');
    }
    masterUsername = primary.masterUsername;
    password = primary.masterPassword;
  } else {
    masterUsername = reqStr(input, 'MasterUsername');
    if (global && optBool(input, 'ManageMasterUserPassword') === true) invalidCombination(GLOBAL_MANAGED_PASSWORD);
    const choice = passwordChoice(input);
    manage = choice.manage;
    password = choice.password ?? '';
  }
  const subnetGroup = resolveSubnetGroup(rt, region, optStr(input, 'DBSubnetGroupName'));
  const clusterParameterGroup = resolveParameterGroup(rt, region, 'cluster', optStr(input, 'DBClusterParameterGroupName'), version.family);
  const sgIds = strList(input, 'VpcSecurityGroupIds');
  checkSecurityGroups(rt, region, sgIds);
  const serverlessV2 = checkScaling(rt, input, engine, version.version);
  const encrypted = optBool(input, 'StorageEncrypted') ?? Boolean(global?.storageEncrypted);
  const arn = rdsArn(region, rt.accountId, 'cluster', id);
  const c: ClusterRec = {
    id,
    region,
    arn,
    status: 'creating',
    createdAt: rt.now(),
    tags: tagList(input),
    resourceId: clusterResourceId(),
    engine,
    engineVersion: version.version,
    port: optNum(input, 'Port') ?? defaultPort(engine),
    masterUsername,
    masterPassword: password,
    ...((optStr(input, 'DatabaseName') ?? global?.databaseName) ? { databaseName: optStr(input, 'DatabaseName') ?? global?.databaseName } : {}),
    subnetGroup,
    clusterParameterGroup,
    securityGroupIds: sgIds.length > 0 ? sgIds : [defaultSecurityGroupId(rt, region)],
    deletionProtection: optBool(input, 'DeletionProtection') ?? false,
    iamAuth: optBool(input, 'EnableIAMDatabaseAuthentication') ?? false,
    storageEncrypted: encrypted,
    ...(encrypted ? { kmsKeyId: optStr(input, 'KmsKeyId') ?? defaultKmsKey(rt, region) } : {}),
    performanceInsights: optBool(input, 'EnablePerformanceInsights') ?? false,
    ...(logExportsOf(input, engine, version.version) ? { logExports: logExportsOf(input, engine, version.version) } : {}),
    ...(serverlessV2 ? { serverlessV2 } : {}),
    ...(global ? { globalClusterId: global.id } : {}),
    copyTagsToSnapshot: optBool(input, 'CopyTagsToSnapshot') ?? false,
    backupRetentionPeriod: optNum(input, 'BackupRetentionPeriod') ?? 1,
  };
  if (manage) {
    const made = createManagedSecret(rt, region, { kind: 'cluster', arn }, masterUsername, optStr(input, 'MasterUserSecretKmsKeyId'));
    c.secret = made.secret;
    c.masterPassword = made.password;
  }
  if (global) global.members.push({ clusterArn: arn, isWriter: !primary });
  launchCluster(rt, c);
  return { DBCluster: clusterOut(rt, c) };
};

const describeDBClusters: Handler = (rt, input, region) => {
  const idOrArn = optStr(input, 'DBClusterIdentifier');
  const fs = filters(input);
  const ids = filterValues(fs, 'db-cluster-id')?.map((x) => x.toLowerCase());
  const engines = filterValues(fs, 'engine');
  const inRegion = Object.values(rt.state.clusters).filter((c) => c.region === region);
  let list = inRegion;
  if (idOrArn !== undefined) {
    const want = idOrArn.toLowerCase();
    list = inRegion.filter((c) => c.id === want || c.arn.toLowerCase() === want);
    if (list.length === 0) fail('DBClusterNotFoundFault', `DBCluster ${idOrArn} not found.`);
  }
  list = list.filter((c) => (!ids || ids.includes(c.id) || ids.includes(c.arn.toLowerCase())) && (!engines || engines.includes(c.engine)));
  list.sort((a, b) => a.id.localeCompare(b.id));
  return { DBClusters: list.map((c) => clusterOut(rt, c)) };
};

function changePassword(rt: Runtime, c: ClusterRec, input: Input): string | undefined {
  const manage = optBool(input, 'ManageMasterUserPassword');
  const password = optStr(input, 'MasterUserPassword');
  const rotate = optBool(input, 'RotateMasterUserPassword') ?? false;
  if (manage === true && password !== undefined) invalidCombination('You cannot specify MasterUserPassword when ManageMasterUserPassword is enabled.');
  if (password !== undefined && c.secret && manage !== false) {
    invalidCombination('The master password of this cluster is managed in Secrets Manager: set ManageMasterUserPassword to false to set MasterUserPassword.');
  }
  if (manage === false && c.secret && password === undefined) invalidCombination('Turning off ManageMasterUserPassword requires MasterUserPassword.');
  if (rotate && !(c.secret && manage !== false)) invalidCombination('RotateMasterUserPassword requires a password managed in Secrets Manager.');
  if (rotate && optBool(input, 'ApplyImmediately') !== true) invalidCombination('RotateMasterUserPassword requires ApplyImmediately.');
  if (manage === true && c.globalClusterId) invalidCombination(GLOBAL_MANAGED_PASSWORD);
  if (manage === true && !c.secret) {
    const made = createManagedSecret(rt, c.region, { kind: 'cluster', arn: c.arn }, c.masterUsername, optStr(input, 'MasterUserSecretKmsKeyId'));
    c.secret = made.secret;
    return made.password;
  }
  if (manage === false && c.secret) {
    deleteManagedSecret(rt, c.secret);
    delete c.secret;
  }
  if (rotate && c.secret) return rotateManagedSecret(rt, c.secret);
  return password;
}

const modifyDBCluster: Handler = (rt, input, region) => {
  const c = getCluster(rt, region, reqStr(input, 'DBClusterIdentifier'));
  const onlyProtection = Object.keys(input).every((k) => ['DBClusterIdentifier', 'DeletionProtection', 'ApplyImmediately'].includes(k));
  if (c.status === 'deleting' || (!onlyProtection && c.status !== 'available')) {
    fail('InvalidDBClusterStateFault', `DBCluster ${c.id} is not in available state (current state: ${c.status}).`);
  }
  if (optStr(input, 'NewDBClusterIdentifier') !== undefined) invalidValue('Renaming a DB cluster is not supported by the simulated control plane.');
  const version = optStr(input, 'EngineVersion');
  if (version !== undefined && version !== c.engineVersion) {
    const target = resolveVersion(rt, c.engine, version);
    if (target.major !== findVersion(rt, c.engine, c.engineVersion)?.major && optBool(input, 'AllowMajorVersionUpgrade') !== true) {
      invalidCombination('The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.');
    }
    c.engineVersion = target.version;
    for (const i of clusterInstances(rt, c)) i.engineVersion = target.version;
  }
  const scaling = checkScaling(rt, input, c.engine, c.engineVersion);
  const newPassword = changePassword(rt, c, input);
  const settingsBefore = JSON.stringify(clusterSettings(c));
  if (scaling) c.serverlessV2 = scaling;
  const protection = optBool(input, 'DeletionProtection');
  if (protection !== undefined) c.deletionProtection = protection;
  const iam = optBool(input, 'EnableIAMDatabaseAuthentication');
  if (iam !== undefined) c.iamAuth = iam;
  const pi = optBool(input, 'EnablePerformanceInsights');
  if (pi !== undefined) c.performanceInsights = pi;
  const retention = optNum(input, 'BackupRetentionPeriod');
  if (retention !== undefined) c.backupRetentionPeriod = retention;
  applyLogExportChange(c, input);
  const pg = optStr(input, 'DBClusterParameterGroupName');
  if (pg !== undefined) c.clusterParameterGroup = resolveParameterGroup(rt, region, 'cluster', pg, resolveVersion(rt, c.engine, c.engineVersion).family);
  const sgIds = strList(input, 'VpcSecurityGroupIds');
  if (sgIds.length > 0) {
    checkSecurityGroups(rt, region, sgIds);
    c.securityGroupIds = sgIds;
  }
  if (newPassword !== undefined) c.masterPassword = newPassword;
  if (!onlyProtection) {
    const dp = rt.dataPlane;
    const after = clusterSettings(c);
    const gate = queueModifyWork(rt, clusterChain(c), c.arn, [
      ['setMasterPassword', newPassword !== undefined && dp?.setMasterPassword ? (d) => d.setMasterPassword!(c.id, newPassword) : undefined],
      ['configureCluster', JSON.stringify(after) !== settingsBefore && dp?.configureCluster ? (d) => d.configureCluster!(c.id, after) : undefined],
    ]);
    rt.schedule(c, 'modifying', 'available', rt.timed('cluster-modify', c), { kind: 'none' }, gate, 'available');
  }
  return { DBCluster: clusterOut(rt, c) };
};

const deleteDBCluster: Handler = (rt, input, region) => {
  const c = getCluster(rt, region, reqStr(input, 'DBClusterIdentifier'));
  if (c.status === 'deleting') fail('InvalidDBClusterStateFault', `DBCluster ${c.id} is already being deleted.`);
  if (c.globalClusterId) {
    fail('InvalidDBClusterStateFault', `This cluster is a part of a global cluster, please remove it from globalcluster first`);
  }
  if (c.deletionProtection) invalidCombination('Cannot delete protected Cluster, please disable deletion protection and try again.');
  if (clusterInstances(rt, c).some(live)) {
    fail('InvalidDBClusterStateFault', 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
  }
  const skip = optBool(input, 'SkipFinalSnapshot') ?? false;
  const finalId = optId(input, 'FinalDBSnapshotIdentifier');
  if (!skip && finalId === undefined) invalidCombination('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
  if (skip && finalId !== undefined) invalidCombination('FinalDBSnapshotIdentifier cannot be specified when SkipFinalSnapshot is enabled.');
  if (finalId !== undefined) createClusterSnapshotRecord(rt, c, finalId, []);
  const gate = rt.runDataPlane(clusterChain(c), c.arn, 'deleteCluster', (dp) => dp.deleteCluster(c.id));
  rt.schedule(c, 'deleting', 'deleted', rt.timed('cluster-delete', c, { afterChildrenOf: c.arn }), { kind: 'remove' }, gate);
  return { DBCluster: clusterOut(rt, c) };
};

const stopDBCluster: Handler = (rt, input, region) => {
  const c = getCluster(rt, region, reqStr(input, 'DBClusterIdentifier'));
  if (c.status !== 'available') fail('InvalidDBClusterStateFault', `DbCluster ${c.id} is in ${c.status} state but expected it to be one of available.`);
  if (c.globalClusterId) fail('InvalidDBClusterStateFault', 'A DB cluster that is part of a global database cannot be stopped.');
  for (const i of clusterInstances(rt, c)) i.status = 'stopping';
  const stopping = rt.timed('stop', c, { afterChildrenOf: c.arn });
  c.stoppedAt = rt.now() + stopping;
  rt.schedule(c, 'stopping', 'stopped', stopping, { kind: 'cluster-members', status: 'stopped' });
  return { DBCluster: clusterOut(rt, c) };
};

const startDBCluster: Handler = (rt, input, region) => {
  const c = getCluster(rt, region, reqStr(input, 'DBClusterIdentifier'));
  if (c.status !== 'stopped') fail('InvalidDBClusterStateFault', `DbCluster ${c.id} is in ${c.status} state but expected it to be one of stopped.`);
  for (const i of clusterInstances(rt, c)) i.status = 'starting';
  delete c.stoppedAt;
  rt.schedule(c, 'starting', 'available', rt.timed('start', c), { kind: 'cluster-members', status: 'available' });
  return { DBCluster: clusterOut(rt, c) };
};

const failoverDBCluster: Handler = (rt, input, region) => {
  const c = getCluster(rt, region, reqStr(input, 'DBClusterIdentifier'));
  if (c.status !== 'available') fail('InvalidDBClusterStateFault', `DBCluster ${c.id} is not in available state (current state: ${c.status}).`);
  const members = clusterInstances(rt, c).filter(live);
  if (!c.writer || members.length < 2) {
    fail('InvalidDBClusterStateFault', `Failover for DBCluster ${c.id} is not possible: it needs a writer and at least one reader.`);
  }
  const targetId = optId(input, 'TargetDBInstanceIdentifier');
  let target;
  if (targetId !== undefined) {
    target = getInstance(rt, region, targetId);
    if (target.clusterId !== c.id) invalidValue(`DBInstance ${targetId} is not a member of DBCluster ${c.id}.`);
    if (target.id === c.writer) invalidValue(`DBInstance ${targetId} is already the writer of DBCluster ${c.id}.`);
    if (target.status !== 'available') fail('InvalidDBInstanceState', `DBInstance ${targetId} is not in available state.`);
  } else {
    target = pickFailoverTarget(members.filter((i) => i.id !== c.writer && i.status === 'available'));
    if (!target) fail('InvalidDBClusterStateFault', `DBCluster ${c.id} has no available reader to fail over to.`);
  }
  const newWriter = target.id;
  const gate = rt.runDataPlane(clusterChain(c), c.arn, 'failover', (dp) => dp.failover(c.id, newWriter));
  rt.schedule(c, 'failing-over', 'available', rt.timed('failover', c, { after: [target] }), { kind: 'set-writer', instanceId: newWriter }, gate, 'available');
  return { DBCluster: clusterOut(rt, c) };
};

export const clusterHandlers: Record<string, Handler> = {
  CreateDBCluster: createDBCluster,
  DescribeDBClusters: describeDBClusters,
  ModifyDBCluster: modifyDBCluster,
  DeleteDBCluster: deleteDBCluster,
  StopDBCluster: stopDBCluster,
  StartDBCluster: startDBCluster,
  FailoverDBCluster: failoverDBCluster,
};

