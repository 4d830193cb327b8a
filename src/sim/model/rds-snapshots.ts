/** Manual DB cluster snapshots and DB (instance) snapshots. */
import { fail, invalidValue } from './errors.js';
import { rdsArn } from './ids.js';
import { filters, filterValues, optStr, reqId, reqStr, tagList } from './input.js';
import { clusterChain, getCluster, getInstance, instanceChain } from './rds-common.js';
import { clusterSnapshotOut, dbSnapshotOut } from './rds-format.js';
import type { Handler, Runtime } from './runtime.js';
import { rkey, type ClusterRec, type ClusterSnapshotRec, type DbSnapshotRec, type InstanceRec, type Tag } from './state.js';

function checkSnapshotQuota(rt: Runtime, region: string): void {
  const n =
    Object.values(rt.state.clusterSnapshots).filter((s) => s.region === region).length +
    Object.values(rt.state.dbSnapshots).filter((s) => s.region === region).length;
  if (n >= rt.quotas.manualSnapshotsPerRegion) fail('SnapshotQuotaExceeded', 'Cannot create more than the allowed number of manual snapshots.');
}

export function createClusterSnapshotRecord(rt: Runtime, c: ClusterRec, id: string, tags: Tag[]): ClusterSnapshotRec {
  const key = rkey(c.region, id);
  if (rt.state.clusterSnapshots[key]) {
    fail('DBClusterSnapshotAlreadyExistsFault', `Cannot create the cluster snapshot because one with the identifier ${id} already exists.`);
  }
  checkSnapshotQuota(rt, c.region);
  const s: ClusterSnapshotRec = {
    id,
    region: c.region,
    arn: rdsArn(c.region, rt.accountId, 'cluster-snapshot', id),
    status: 'creating',
    createdAt: rt.now(),
    tags: tags.length === 0 && c.copyTagsToSnapshot ? c.tags.map((t) => ({ ...t })) : tags,
    clusterId: c.id,
    clusterResourceId: c.resourceId,
    engine: c.engine,
    engineVersion: c.engineVersion,
    port: c.port,
    masterUsername: c.masterUsername,
    masterPassword: c.masterPassword,
    ...(c.databaseName ? { databaseName: c.databaseName } : {}),
    clusterCreatedAt: c.createdAt,
    storageEncrypted: c.storageEncrypted,
    iamAuth: c.iamAuth,
    snapshotType: 'manual',
  };
  rt.state.clusterSnapshots[key] = s;
  const gate = rt.runDataPlane(clusterChain(c), s.arn, 'createSnapshot', (dp) => dp.createSnapshot('cluster', c.id, id));
  const delay = rt.timed('cluster-snapshot', s, { after: [c] });
  rt.schedule(s, 'creating', 'available', delay, { kind: 'none' }, gate);
  if (c.status === 'available') rt.schedule(c, 'backing-up', 'available', delay, { kind: 'none' }, gate, 'available');
  return s;
}

export function createDbSnapshotRecord(rt: Runtime, i: InstanceRec, id: string, tags: Tag[]): DbSnapshotRec {
  const key = rkey(i.region, id);
  if (rt.state.dbSnapshots[key]) fail('DBSnapshotAlreadyExists', `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`);
  checkSnapshotQuota(rt, i.region);
  const s: DbSnapshotRec = {
    id,
    region: i.region,
    arn: rdsArn(i.region, rt.accountId, 'snapshot', id),
    status: 'creating',
    createdAt: rt.now(),
    tags,
    instanceId: i.id,
    instanceResourceId: i.resourceId,
    engine: i.engine,
    engineVersion: i.engineVersion,
    port: i.port,
    masterUsername: i.masterUsername ?? '',
    masterPassword: i.masterPassword ?? '',
    ...(i.dbName ? { dbName: i.dbName } : {}),
    allocatedStorage: i.allocatedStorage ?? 20,
    availabilityZone: i.availabilityZone,
    instanceCreatedAt: i.createdAt,
    iamAuth: i.iamAuth,
    storageEncrypted: i.storageEncrypted,
  };
  rt.state.dbSnapshots[key] = s;
  const gate = rt.runDataPlane(instanceChain(i), s.arn, 'createSnapshot', (dp) => dp.createSnapshot('instance', i.id, id));
  const delay = rt.timed('db-snapshot', s, { after: [i] });
  rt.schedule(s, 'creating', 'available', delay, { kind: 'none' }, gate);
  if (i.status === 'available') rt.schedule(i, 'backing-up', 'available', delay, { kind: 'none' }, gate, 'available');
  return s;
}

export const snapshotHandlers: Record<string, Handler> = {
  CreateDBClusterSnapshot(rt, input, region) {
    const id = reqId(input, 'DBClusterSnapshotIdentifier');
    const c = getCluster(rt, region, reqStr(input, 'DBClusterIdentifier'));
    if (c.status !== 'available') fail('InvalidDBClusterStateFault', `DBCluster ${c.id} is not in available state (current state: ${c.status}).`);
    const s = createClusterSnapshotRecord(rt, c, id, tagList(input));
    return { DBClusterSnapshot: clusterSnapshotOut(rt, s) };
  },

  DescribeDBClusterSnapshots(rt, input, region) {
    const idOrArn = optStr(input, 'DBClusterSnapshotIdentifier')?.toLowerCase();
    const clusterId = optStr(input, 'DBClusterIdentifier')?.toLowerCase();
    const type = optStr(input, 'SnapshotType');
    const fs = filters(input);
    const byCluster = filterValues(fs, 'db-cluster-id')?.map((x) => x.toLowerCase());
    const byId = filterValues(fs, 'db-cluster-snapshot-id')?.map((x) => x.toLowerCase());
    const byType = filterValues(fs, 'snapshot-type');
    let list = Object.values(rt.state.clusterSnapshots).filter((s) => s.region === region);
    if (idOrArn !== undefined) {
      list = list.filter((s) => s.id === idOrArn || s.arn.toLowerCase() === idOrArn);
      if (list.length === 0) fail('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${idOrArn} not found.`);
    }
    list = list.filter(
      (s) =>
        (clusterId === undefined || s.clusterId === clusterId || rdsArn(region, rt.accountId, 'cluster', s.clusterId) === clusterId) &&
        (type === undefined || s.snapshotType === type) &&
        (!byCluster || byCluster.includes(s.clusterId)) &&
        (!byId || byId.includes(s.id) || byId.includes(s.arn.toLowerCase())) &&
        (!byType || byType.includes(s.snapshotType)),
    );
    list.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    return { DBClusterSnapshots: list.map((s) => clusterSnapshotOut(rt, s)) };
  },

  DeleteDBClusterSnapshot(rt, input, region) {
    const id = reqId(input, 'DBClusterSnapshotIdentifier');
    const s = rt.state.clusterSnapshots[rkey(region, id)];
    if (!s) fail('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`);
    if (s.status !== 'available' && s.status !== 'failed') fail('InvalidDBClusterSnapshotStateFault', `Cannot delete the snapshot because it is in ${s.status} state.`);
    const gate = rt.runDataPlane(clusterChain({ region, id: s.clusterId }), s.arn, 'deleteSnapshot', (dp) => dp.deleteSnapshot(id));
    rt.schedule(s, 'deleting', 'deleted', rt.timed('snapshot-delete', s), { kind: 'remove' }, gate);
    return { DBClusterSnapshot: clusterSnapshotOut(rt, s) };
  },

  CreateDBSnapshot(rt, input, region) {
    const id = reqId(input, 'DBSnapshotIdentifier');
    const i = getInstance(rt, region, reqStr(input, 'DBInstanceIdentifier'));
    if (i.clusterId) {
      invalidValue('The specified instance is a member of a cluster and a snapshot cannot be created directly on the instance. Please use CreateDBClusterSnapshot API instead.');
    }
    if (i.status !== 'available') fail('InvalidDBInstanceState', `DBInstance ${i.id} is not in available state (current state: ${i.status}).`);
    const s = createDbSnapshotRecord(rt, i, id, tagList(input));
    return { DBSnapshot: dbSnapshotOut(rt, s) };
  },

  DescribeDBSnapshots(rt, input, region) {
    const idOrArn = optStr(input, 'DBSnapshotIdentifier')?.toLowerCase();
    const instanceId = optStr(input, 'DBInstanceIdentifier')?.toLowerCase();
    const fs = filters(input);
    const byInstance = filterValues(fs, 'db-instance-id')?.map((x) => x.toLowerCase());
    const byId = filterValues(fs, 'db-snapshot-id')?.map((x) => x.toLowerCase());
    let list = Object.values(rt.state.dbSnapshots).filter((s) => s.region === region);
    if (idOrArn !== undefined) {
      list = list.filter((s) => s.id === idOrArn || s.arn.toLowerCase() === idOrArn);
      if (list.length === 0) fail('DBSnapshotNotFound', `DBSnapshot ${idOrArn} not found.`);
    }
    list = list.filter(
      (s) =>
        (instanceId === undefined || s.instanceId === instanceId) &&
        (!byInstance || byInstance.includes(s.instanceId)) &&
        (!byId || byId.includes(s.id) || byId.includes(s.arn.toLowerCase())),
    );
    list.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
    return { DBSnapshots: list.map((s) => dbSnapshotOut(rt, s)) };
  },

  DeleteDBSnapshot(rt, input, region) {
    const id = reqId(input, 'DBSnapshotIdentifier');
    const s = rt.state.dbSnapshots[rkey(region, id)];
    if (!s) fail('DBSnapshotNotFound', `DBSnapshot ${id} not found.`);
    if (s.status !== 'available' && s.status !== 'failed') fail('InvalidDBSnapshotState', `Cannot delete the snapshot because it is in ${s.status} state.`);
    const gate = rt.runDataPlane(`instance:${region}/${s.instanceId}`, s.arn, 'deleteSnapshot', (dp) => dp.deleteSnapshot(id));
    rt.schedule(s, 'deleting', 'deleted', rt.timed('snapshot-delete', s), { kind: 'remove' }, gate);
    return { DBSnapshot: dbSnapshotOut(rt, s) };
  },
};
