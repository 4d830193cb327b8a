/** DB instances: Aurora cluster members and standalone RDS (postgres, mysql) instances. */
import { monitoringOf } from './rds-monitoring.js';
import type { InstanceSettings, InstanceSpec } from '../data-plane.js';
import { fail, invalidCombination, invalidValue } from './errors.js';
import { dbiResourceId, endpointHash, rdsArn } from './ids.js';
import { filters, filterValues, optBool, optId, optNum, optStr, reqId, reqStr, strList, tagList } from './input.js';
import { checkOrderable, defaultPort, ENGINES, isAurora, resolveVersion } from './rds-catalog.js';
import { passwordChoice } from './rds-clusters.js';
import { checkIdentifier, countInRegion, getCluster, getInstance, instanceChain, live, queueModifyWork } from './rds-common.js';
import { instanceOut } from './rds-format.js';
import { checkSecurityGroups, resolveParameterGroup, resolveSubnetGroup } from './rds-groups.js';
import { createDbSnapshotRecord } from './rds-snapshots.js';
import type { Handler, Input, Runtime } from './runtime.js';
import { createManagedSecret } from './secrets.js';
import { defaultSecurityGroupId } from './ec2.js';
import { rkey, type ClusterRec, type InstanceRec } from './state.js';

/** A secondary cluster of a global database has readers only. */
export function isGlobalSecondary(rt: Runtime, c: ClusterRec): boolean {
  if (!c.globalClusterId) return false;
  const g = rt.state.globalClusters[c.globalClusterId];
  return Boolean(g?.members.some((m) => m.clusterArn === c.arn && !m.isWriter));
}

const CLUSTER_OWNED: [string, string][] = [
  ['MasterUsername', 'Set master user name for the DB Cluster.'],
  ['MasterUserPassword', 'Set master user password for the DB Cluster.'],
  ['ManageMasterUserPassword', 'Set ManageMasterUserPassword for the DB Cluster.'],
  ['AllocatedStorage', "You don't need to set storage size."],
  ['VpcSecurityGroupIds', 'Set VPC Security Group for the DB Cluster.'],
  ['DBSubnetGroupName', 'Set the DB subnet group for the DB Cluster.'],
];

function checkServerless(c: ClusterRec, instanceClass: string): void {
  if (instanceClass === 'db.serverless' && !c.serverlessV2) {
    invalidCombination('Set the Serverless v2 scaling configuration on the parent DB cluster before creating a Serverless v2 DB instance.');
  }
}

/** What the data plane needs to know of an instance's settings. */
function instanceSettings(i: InstanceRec): InstanceSettings {
  return { instanceClass: i.instanceClass, performanceInsights: i.performanceInsights };
}

function checkTier(input: Input): number | undefined {
  const tier = optNum(input, 'PromotionTier');
  if (tier !== undefined && (!Number.isInteger(tier) || tier < 0 || tier > 15)) invalidValue('PromotionTier must be an integer from 0 to 15.');
  return tier;
}

function startInstance(rt: Runtime, i: InstanceRec, spec: InstanceSpec): void {
  rt.state.instances[rkey(i.region, i.id)] = i;
  // Readers need the writer first, but not each other: readers added together are built together.
  const group = spec.clusterId && spec.role === 'reader' ? 'create-readers' : undefined;
  const gate = rt.runDataPlane(instanceChain(i), i.arn, 'createInstance', (dp) => dp.createInstance(spec), (res) => {
    const now = rt.state.instances[rkey(i.region, i.id)];
    if (now?.resourceId !== i.resourceId) return;
    now.address = res.endpoint.address;
    now.port = res.endpoint.port;
  }, group);
  if (!gate) i.address = `${i.id}.${endpointHash(rt.accountId, i.region)}.${i.region}.rds.amazonaws.com`;
  const cluster = i.clusterId ? rt.state.clusters[rkey(i.region, i.clusterId)] : undefined;
  const delay = cluster
    ? rt.timed('instance-create', i, { after: [cluster], parentArn: cluster.arn })
    : rt.timed('rds-instance-create', i);
  rt.schedule(i, 'creating', 'available', delay, { kind: 'none' }, gate);
}

const createDBInstance: Handler = (rt, input, region) => {
  const id = reqId(input, 'DBInstanceIdentifier');
  checkIdentifier('DBInstanceIdentifier', id);
  if (rt.state.instances[rkey(region, id)]) fail('DBInstanceAlreadyExists', 'DB instance already exists');
  const engine = reqStr(input, 'Engine');
  const instanceClass = reqStr(input, 'DBInstanceClass');
  if (!ENGINES.includes(engine)) invalidValue(`Invalid DB engine: ${engine}`);
  if (countInRegion(rt.state.instances, region) >= rt.quotas.instancesPerRegion) {
    fail('InstanceQuotaExceeded', 'The request cannot be processed because it would exceed the maximum number of DB instances.');
  }
  const tier = checkTier(input) ?? 1;
  const clusterId = optId(input, 'DBClusterIdentifier');
  const count = countInRegion(rt.state.instances, region);
  const az = optStr(input, 'AvailabilityZone') ?? `${region}${'abc'[count % 3]}`;
  const base = {
    id,
    region,
    arn: rdsArn(region, rt.accountId, 'db', id),
    status: 'creating',
    createdAt: rt.now(),
    tags: tagList(input),
    resourceId: dbiResourceId(),
    instanceClass,
    engine,
    promotionTier: tier,
    availabilityZone: az,
    publiclyAccessible: optBool(input, 'PubliclyAccessible') ?? false,
    performanceInsights: optBool(input, 'EnablePerformanceInsights') ?? false,
    deletionProtection: optBool(input, 'DeletionProtection') ?? false,
    ...monitoringOf(rt, input),
  };
  if (clusterId !== undefined) {
    const c = getCluster(rt, region, clusterId);
    if (['deleting', 'stopped', 'stopping', 'failed'].includes(c.status)) {
      fail('InvalidDBClusterStateFault', `DBCluster ${c.id} is in ${c.status} state.`);
    }
    for (const [field, why] of CLUSTER_OWNED) {
      if (input[field] !== undefined) invalidCombination(`The requested DB Instance will be a member of a DB Cluster. ${why}`);
    }
    if (engine !== c.engine) invalidCombination(`The engine ${engine} of the DB instance doesn't match the engine ${c.engine} of DB cluster ${c.id}.`);
    const version = optStr(input, 'EngineVersion');
    if (version !== undefined && version !== c.engineVersion) invalidCombination(`The engine version of the DB instance must be the cluster's, ${c.engineVersion}.`);
    checkOrderable(engine, c.engineVersion, instanceClass);
    checkServerless(c, instanceClass);
    if (c.globalClusterId && instanceClass.startsWith('db.t')) invalidCombination(`The instance class ${instanceClass} isn't supported for global databases.`);
    const secondary = isGlobalSecondary(rt, c);
    const writer = c.writer ? rt.state.instances[rkey(region, c.writer)] : undefined;
    const role = !secondary && !(writer && live(writer)) ? 'writer' : 'reader';
    const i: InstanceRec = {
      ...base,
      engineVersion: c.engineVersion,
      clusterId: c.id,
      port: c.port,
      securityGroupIds: [],
      subnetGroup: c.subnetGroup,
      parameterGroup: resolveParameterGroup(rt, region, 'instance', optStr(input, 'DBParameterGroupName'), resolveVersion(rt, engine, c.engineVersion).family),
      iamAuth: c.iamAuth,
      storageEncrypted: c.storageEncrypted,
    };
    if (role === 'writer') c.writer = id;
    startInstance(rt, i, { instanceId: id, region, engine, instanceClass, clusterId: c.id, role, promotionTier: tier, resourceId: i.resourceId, performanceInsights: i.performanceInsights });
    return { DBInstance: instanceOut(rt, i) };
  }
  if (isAurora(engine)) invalidCombination(`DBClusterIdentifier is required to create a DB instance of engine ${engine}.`);
  const storage = optNum(input, 'AllocatedStorage');
  if (storage === undefined) invalidValue('The parameter AllocatedStorage must be provided for engine ' + engine + '.');
  if (storage < 20 || storage > 65536) invalidValue('Invalid storage size for engine name ' + engine + ' and storage type gp3: ' + storage);
  const masterUsername = reqStr(input, 'MasterUsername');
  const choice = passwordChoice(input);
  const version = resolveVersion(rt, engine, optStr(input, 'EngineVersion'));
  checkOrderable(engine, version.version, instanceClass);
  const sgIds = strList(input, 'VpcSecurityGroupIds');
  checkSecurityGroups(rt, region, sgIds);
  const i: InstanceRec = {
    ...base,
    engineVersion: version.version,
    port: optNum(input, 'Port') ?? defaultPort(engine),
    masterUsername,
    masterPassword: choice.password ?? '',
    ...(optStr(input, 'DBName') ? { dbName: optStr(input, 'DBName') } : {}),
    allocatedStorage: storage,
    securityGroupIds: sgIds.length > 0 ? sgIds : [defaultSecurityGroupId(rt, region)],
    subnetGroup: resolveSubnetGroup(rt, region, optStr(input, 'DBSubnetGroupName')),
    parameterGroup: resolveParameterGroup(rt, region, 'instance', optStr(input, 'DBParameterGroupName'), version.family),
    iamAuth: optBool(input, 'EnableIAMDatabaseAuthentication') ?? false,
    storageEncrypted: optBool(input, 'StorageEncrypted') ?? false,
  };
  if (choice.manage) {
    const made = createManagedSecret(rt, region, { kind: 'db', arn: i.arn }, masterUsername, optStr(input, 'MasterUserSecretKmsKeyId'));
    i.secret = made.secret;
    i.masterPassword = made.password;
  }
  startInstance(rt, i, {
    instanceId: id,
    region,
    engine,
    instanceClass,
    port: i.port,
    role: 'writer',
    promotionTier: tier,
    resourceId: i.resourceId,
    performanceInsights: i.performanceInsights,
    masterUsername,
    masterPassword: i.masterPassword!,
    ...(i.dbName ? { databaseName: i.dbName } : {}),
  });
  return { DBInstance: instanceOut(rt, i) };
};

const describeDBInstances: Handler = (rt, input, region) => {
  const idOrArn = optStr(input, 'DBInstanceIdentifier')?.toLowerCase();
  const fs = filters(input);
  const clusterIds = filterValues(fs, 'db-cluster-id')?.map((x) => x.toLowerCase());
  const ids = filterValues(fs, 'db-instance-id')?.map((x) => x.toLowerCase());
  const resourceIds = filterValues(fs, 'dbi-resource-id');
  const engines = filterValues(fs, 'engine');
  let list = Object.values(rt.state.instances).filter((i) => i.region === region);
  if (idOrArn !== undefined) {
    list = list.filter((i) => i.id === idOrArn || i.arn.toLowerCase() === idOrArn);
    if (list.length === 0) fail('DBInstanceNotFound', `DBInstance ${idOrArn} not found.`);
  }
  list = list.filter((i) => {
    const clusterArn = i.clusterId ? rdsArn(region, rt.accountId, 'cluster', i.clusterId) : undefined;
    return (
      (!clusterIds || (i.clusterId !== undefined && (clusterIds.includes(i.clusterId) || clusterIds.includes(clusterArn!)))) &&
      (!ids || ids.includes(i.id) || ids.includes(i.arn.toLowerCase())) &&
      (!resourceIds || resourceIds.includes(i.resourceId)) &&
      (!engines || engines.includes(i.engine))
    );
  });
  list.sort((a, b) => a.id.localeCompare(b.id));
  return { DBInstances: list.map((i) => instanceOut(rt, i)) };
};

const modifyDBInstance: Handler = (rt, input, region) => {
  const i = getInstance(rt, region, reqStr(input, 'DBInstanceIdentifier'));
  const cluster = i.clusterId ? rt.state.clusters[rkey(region, i.clusterId)] : undefined;
  const onlyQuiet = Object.keys(input).every((k) => ['DBInstanceIdentifier', 'DeletionProtection', 'ApplyImmediately', 'PromotionTier'].includes(k));
  if (i.status === 'deleting' || (!onlyQuiet && i.status !== 'available')) {
    fail('InvalidDBInstanceState', `Database instance is not in available state (current state: ${i.status}).`);
  }
  if (cluster && (input['MasterUserPassword'] !== undefined || input['AllocatedStorage'] !== undefined)) {
    invalidCombination('The requested DB instance is a member of a DB cluster. Set these values on the DB cluster.');
  }
  const newClass = optStr(input, 'DBInstanceClass');
  if (newClass !== undefined) {
    checkOrderable(i.engine, i.engineVersion, newClass);
    if (cluster) checkServerless(cluster, newClass);
  }
  const settingsBefore = JSON.stringify(instanceSettings(i));
  const tier = checkTier(input);
  if (tier !== undefined) i.promotionTier = tier;
  const protection = optBool(input, 'DeletionProtection');
  if (protection !== undefined) i.deletionProtection = protection;
  const pi = optBool(input, 'EnablePerformanceInsights');
  if (pi !== undefined) i.performanceInsights = pi;
  const pub = optBool(input, 'PubliclyAccessible');
  if (pub !== undefined) i.publiclyAccessible = pub;
  if (input['MonitoringInterval'] !== undefined || input['MonitoringRoleArn'] !== undefined) {
    const m = monitoringOf(rt, input, i);
    if (m.monitoringInterval && !i.monitoringInterval) i.monitoringSince = rt.now();
    i.monitoringInterval = m.monitoringInterval;
    if (m.monitoringRoleArn) i.monitoringRoleArn = m.monitoringRoleArn;
    else delete i.monitoringRoleArn;
  }
  const password = optStr(input, 'MasterUserPassword');
  if (password !== undefined) i.masterPassword = password;
  if (newClass !== undefined) i.instanceClass = newClass;
  if (!onlyQuiet) {
    const dp = rt.dataPlane;
    const settings = instanceSettings(i);
    const gate = queueModifyWork(rt, instanceChain(i), i.arn, [
      ['setMasterPassword', password !== undefined && dp?.setMasterPassword ? (d) => d.setMasterPassword!(i.id, password) : undefined],
      ['configureInstance', JSON.stringify(settings) !== settingsBefore && dp?.configureInstance ? (d) => d.configureInstance!(i.id, settings) : undefined],
    ]);
    rt.schedule(i, 'modifying', 'available', rt.timed('instance-modify', i), { kind: 'none' }, gate, 'available');
  }
  return { DBInstance: instanceOut(rt, i) };
};

const deleteDBInstance: Handler = (rt, input, region) => {
  const i = getInstance(rt, region, reqStr(input, 'DBInstanceIdentifier'));
  if (i.status === 'deleting') fail('InvalidDBInstanceState', `Instance ${i.id} is already being deleted.`);
  if (i.deletionProtection) invalidCombination('Cannot delete protected DB Instance, please disable deletion protection and try again.');
  const skip = optBool(input, 'SkipFinalSnapshot') ?? false;
  const finalId = optId(input, 'FinalDBSnapshotIdentifier');
  if (i.clusterId) {
    if (finalId !== undefined) invalidCombination('FinalDBSnapshotIdentifier can not be specified when deleting a cluster instance.');
  } else {
    if (!skip && finalId === undefined) invalidCombination('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
    if (skip && finalId !== undefined) invalidCombination('FinalDBSnapshotIdentifier cannot be specified when SkipFinalSnapshot is enabled.');
    if (finalId !== undefined) createDbSnapshotRecord(rt, i, finalId, []);
  }
  // Members deleted together reach the data plane together, so it can see that a writer whose readers
  // are all going too needs no failover.
  const group = i.clusterId ? 'delete-members' : undefined;
  const gate = rt.runDataPlane(instanceChain(i), i.arn, 'deleteInstance', (dp) => dp.deleteInstance(i.id), undefined, group);
  // Not before its cluster has finished what it was doing (a failover, a modification).
  const cluster = i.clusterId ? rt.state.clusters[rkey(i.region, i.clusterId)] : undefined;
  rt.schedule(i, 'deleting', 'deleted', rt.timed('instance-delete', i, { after: cluster ? [cluster] : [] }), { kind: 'remove' }, gate);
  return { DBInstance: instanceOut(rt, i) };
};

const rebootDBInstance: Handler = (rt, input, region) => {
  const i = getInstance(rt, region, reqStr(input, 'DBInstanceIdentifier'));
  if (i.status !== 'available') fail('InvalidDBInstanceState', `DBInstance ${i.id} is not in available state (current state: ${i.status}).`);
  const gate = rt.runDataPlane(instanceChain(i), i.arn, 'rebootInstance', (dp) => dp.rebootInstance(i.id));
  rt.schedule(i, 'rebooting', 'available', rt.timed('reboot', i), { kind: 'none' }, gate);
  return { DBInstance: instanceOut(rt, i) };
};

export const instanceHandlers: Record<string, Handler> = {
  CreateDBInstance: createDBInstance,
  DescribeDBInstances: describeDBInstances,
  ModifyDBInstance: modifyDBInstance,
  DeleteDBInstance: deleteDBInstance,
  RebootDBInstance: rebootDBInstance,
};

