/**
 * Aurora Global Database: global clusters are account-wide (no region), their members are regional
 * clusters; one member is the writer (primary), the others are read-only secondaries.
 */
import { fail, invalidCombination, invalidValue } from './errors.js';
import { clusterResourceId, globalClusterArn, isArn } from './ids.js';
import { filters, filterValues, optBool, optStr, reqId, reqStr, tagList } from './input.js';
import { isAurora, resolveVersion } from './rds-catalog.js';
import { clusterChain, clusterInstances, getClusterByIdOrArn, getGlobal, live, pickFailoverTarget } from './rds-common.js';
import { GLOBAL_MANAGED_PASSWORD } from './rds-clusters.js';
import { globalOut } from './rds-format.js';
import type { Handler, Input, Runtime } from './runtime.js';
import type { ClusterRec, GlobalClusterRec } from './state.js';

function clusterByArn(rt: Runtime, arn: string): ClusterRec | undefined {
  return Object.values(rt.state.clusters).find((c) => c.arn === arn);
}

/** The member named by ARN, or by cluster identifier in any region. */
function memberCluster(rt: Runtime, g: GlobalClusterRec, idOrArn: string, region: string): ClusterRec {
  const c = isArn(idOrArn)
    ? clusterByArn(rt, idOrArn)
    : g.members.map((m) => clusterByArn(rt, m.clusterArn)).find((x) => x?.id === idOrArn.toLowerCase());
  if (!c) return getClusterByIdOrArn(rt, region, idOrArn);
  if (!g.members.some((m) => m.clusterArn === c.arn)) invalidValue(`DB cluster ${c.id} is not a member of global cluster ${g.id}.`);
  return c;
}

/** The instance a promoted secondary makes its writer: the failover order over its live instances. */
function promotionTarget(rt: Runtime, c: ClusterRec, available = false): string | undefined {
  return pickFailoverTarget(clusterInstances(rt, c).filter((i) => live(i) && (!available || i.status === 'available')))?.id;
}

/** A new writer: secondaries have no writer instance; the promoted cluster's best instance becomes its writer. */
function promote(rt: Runtime, c: ClusterRec, writerId?: string): void {
  const chosen = writerId ? clusterInstances(rt, c).find((i) => i.id === writerId && live(i)) : undefined;
  c.writer = chosen?.id ?? promotionTarget(rt, c);
}

export function applyGlobalSwitch(rt: Runtime, g: GlobalClusterRec, targetArn: string, writerId?: string): void {
  const lostPrimary = g.failover?.dataLoss ? g.failover.fromArn : undefined;
  for (const m of g.members) {
    m.isWriter = m.clusterArn === targetArn;
    delete m.resyncUntil;
    const c = clusterByArn(rt, m.clusterArn);
    if (!c) continue;
    if (m.isWriter) promote(rt, c, writerId);
    else delete c.writer;
    // Its volume diverged from the new primary's: Aurora rebuilds it from there, as it copies a new secondary.
    if (m.clusterArn === lostPrimary) m.resyncUntil = rt.now() + rt.timed('global-secondary-create', c, { after: [g] });
  }
  delete g.failover;
}

function startSwitch(rt: Runtime, g: GlobalClusterRec, input: Input, region: string, dataLoss: boolean): void {
  if (g.status !== 'available') fail('InvalidGlobalClusterStateFault', `Global cluster ${g.id} is in ${g.status} state.`);
  const target = memberCluster(rt, g, reqStr(input, 'TargetDbClusterIdentifier'), region);
  const from = g.members.find((m) => m.isWriter);
  if (from?.clusterArn === target.arn) invalidValue(`DB cluster ${target.id} is already the primary cluster of global cluster ${g.id}.`);
  const resync = g.members.find((m) => m.clusterArn === target.arn)?.resyncUntil;
  if (resync !== undefined && rt.now() < resync) {
    fail('InvalidDBClusterStateFault', `DB cluster ${target.id} is still being resynchronized with the primary cluster (SynchronizationStatus pending-resync).`);
  }
  if (target.status !== 'available' || !clusterInstances(rt, target).some((i) => live(i) && i.status === 'available')) {
    fail('InvalidDBClusterStateFault', `DB cluster ${target.id} needs to be available, with an available DB instance, to become the primary cluster.`);
  }
  g.failover = { status: dataLoss ? 'failing-over' : 'pending', fromArn: from?.clusterArn ?? '', toArn: target.arn, dataLoss };
  // Only once the target has an available instance (refused above otherwise).
  const delay = rt.timed(dataLoss ? 'global-failover' : 'global-switchover', g, { after: [target], afterChildrenOf: target.arn });
  const writerId = promotionTarget(rt, target, true);
  const source = from ? clusterByArn(rt, from.clusterArn) : undefined;
  // The status waits for the databases: the old primary stopped, the secondary caught up (or, with
  // data loss, not) and promoted, the old primary replicating from it.
  const gate = rt.dataPlane?.switchGlobalPrimary && source && writerId
    ? rt.runDataPlane(clusterChain(target), g.arn, dataLoss ? 'failoverGlobalCluster' : 'switchoverGlobalCluster', (dp) => {
        // Verified and under way: AWS's FailoverState moves from pending to switching-over.
        const now = rt.state.globalClusters[g.id];
        if (now?.failover && !dataLoss) now.failover.status = 'switching-over';
        return dp.switchGlobalPrimary!({
          from: { region: source.region, clusterId: source.id },
          to: { region: target.region, clusterId: target.id },
          newWriterId: writerId,
          allowDataLoss: dataLoss,
        });
      })
    : undefined;
  rt.schedule(g, dataLoss ? 'failing-over' : 'switching-over', 'available', delay, { kind: 'global-switch', targetArn: target.arn, dataLoss, ...(writerId ? { writerId } : {}) }, gate, 'available');
}

export const globalHandlers: Record<string, Handler> = {
  CreateGlobalCluster(rt, input, region) {
    const id = reqId(input, 'GlobalClusterIdentifier');
    if (rt.state.globalClusters[id]) fail('GlobalClusterAlreadyExistsFault', `Global cluster ${id} already exists`);
    if (Object.keys(rt.state.globalClusters).length >= rt.quotas.globalClusters) {
      fail('GlobalClusterQuotaExceededFault', 'The request cannot be processed because it would exceed the maximum number of global clusters.');
    }
    const sourceId = optStr(input, 'SourceDBClusterIdentifier');
    const source = sourceId !== undefined ? getClusterByIdOrArn(rt, region, sourceId) : undefined;
    const engine = source?.engine ?? reqStr(input, 'Engine');
    if (!isAurora(engine)) invalidValue(`Invalid DB engine: ${engine}`);
    if (source) {
      const asked = optStr(input, 'Engine');
      if (asked !== undefined && asked !== source.engine) invalidCombination(`The engine ${asked} doesn't match the source cluster's engine ${source.engine}.`);
      if (source.status !== 'available') fail('InvalidDBClusterStateFault', `DB cluster ${source.id} is not in available state.`);
      if (source.globalClusterId) fail('InvalidDBClusterStateFault', `DB cluster ${source.id} is already a member of global cluster ${source.globalClusterId}.`);
      if (source.secret) invalidCombination(GLOBAL_MANAGED_PASSWORD);
    }
    const version = source?.engineVersion ?? resolveVersion(rt, engine, optStr(input, 'EngineVersion')).version;
    const g: GlobalClusterRec = {
      id,
      arn: globalClusterArn(rt.accountId, id),
      status: 'creating',
      createdAt: rt.now(),
      tags: tagList(input),
      resourceId: clusterResourceId(),
      engine,
      engineVersion: version,
      ...((source?.databaseName ?? optStr(input, 'DatabaseName')) ? { databaseName: source?.databaseName ?? optStr(input, 'DatabaseName') } : {}),
      deletionProtection: optBool(input, 'DeletionProtection') ?? false,
      storageEncrypted: source?.storageEncrypted ?? optBool(input, 'StorageEncrypted') ?? false,
      members: source ? [{ clusterArn: source.arn, isWriter: true }] : [],
    };
    if (source) source.globalClusterId = id;
    rt.state.globalClusters[id] = g;
    rt.schedule(g, 'creating', 'available', rt.timed('global-create', g, { after: source ? [source] : [] }));
    return { GlobalCluster: globalOut(rt, g) };
  },

  DescribeGlobalClusters(rt, input) {
    const id = optStr(input, 'GlobalClusterIdentifier')?.toLowerCase();
    const ids = filterValues(filters(input), 'global-cluster-id')?.map((x) => x.toLowerCase());
    if (id !== undefined) getGlobal(rt, id);
    const list = Object.values(rt.state.globalClusters)
      .filter((g) => (id === undefined || g.id === id) && (!ids || ids.includes(g.id)))
      .sort((a, b) => a.id.localeCompare(b.id));
    return { GlobalClusters: list.map((g) => globalOut(rt, g)) };
  },

  ModifyGlobalCluster(rt, input) {
    const g = getGlobal(rt, reqStr(input, 'GlobalClusterIdentifier'));
    if (g.status === 'deleting') fail('InvalidGlobalClusterStateFault', `Global cluster ${g.id} is being deleted.`);
    const protection = optBool(input, 'DeletionProtection');
    if (protection !== undefined) g.deletionProtection = protection;
    return { GlobalCluster: globalOut(rt, g) };
  },

  RemoveFromGlobalCluster(rt, input, region) {
    const g = getGlobal(rt, reqStr(input, 'GlobalClusterIdentifier'));
    const c = memberCluster(rt, g, reqStr(input, 'DbClusterIdentifier'), region);
    if (g.status !== 'available') fail('InvalidGlobalClusterStateFault', `Global cluster ${g.id} is in ${g.status} state.`);
    const member = g.members.find((m) => m.clusterArn === c.arn)!;
    if (member.isWriter && g.members.length > 1) {
      fail('InvalidGlobalClusterStateFault', `The primary cluster ${c.id} can't be removed while global cluster ${g.id} has secondary clusters.`);
    }
    g.members = g.members.filter((m) => m !== member);
    delete c.globalClusterId;
    // Instant here, but on the timeline: what follows on the cluster comes after the global cluster's last change.
    rt.timed('global-detach', c, { after: [g] });
    // A detached secondary becomes a standalone cluster that accepts writes.
    if (!member.isWriter) {
      promote(rt, c);
      const writerId = c.writer;
      const gate = rt.dataPlane?.detachGlobalSecondary
        ? rt.runDataPlane(clusterChain(c), c.arn, 'detachGlobalSecondary', (dp) => dp.detachGlobalSecondary!(c.id, writerId))
        : undefined;
      if (gate) rt.schedule(c, 'modifying', 'available', rt.timed('cluster-modify', c), { kind: 'none' }, gate, 'available');
    }
    return { GlobalCluster: globalOut(rt, g) };
  },

  DeleteGlobalCluster(rt, input) {
    const g = getGlobal(rt, reqStr(input, 'GlobalClusterIdentifier'));
    if (g.status === 'deleting') fail('InvalidGlobalClusterStateFault', `Global cluster ${g.id} is already being deleted.`);
    if (g.members.length > 0) fail('InvalidGlobalClusterStateFault', `Global cluster ${g.id} still has members; remove them first.`);
    if (g.deletionProtection) invalidCombination('Cannot delete protected Global Cluster, please disable deletion protection and try again.');
    rt.schedule(g, 'deleting', 'deleted', rt.timed('global-delete', g), { kind: 'remove' });
    return { GlobalCluster: globalOut(rt, g) };
  },

  SwitchoverGlobalCluster(rt, input, region) {
    const g = getGlobal(rt, reqStr(input, 'GlobalClusterIdentifier'));
    startSwitch(rt, g, input, region, false);
    return { GlobalCluster: globalOut(rt, g) };
  },

  FailoverGlobalCluster(rt, input, region) {
    const g = getGlobal(rt, reqStr(input, 'GlobalClusterIdentifier'));
    const allowDataLoss = optBool(input, 'AllowDataLoss') ?? false;
    const switchover = optBool(input, 'Switchover') ?? false;
    if (allowDataLoss === switchover) invalidCombination('Specify exactly one of AllowDataLoss and Switchover.');
    startSwitch(rt, g, input, region, allowDataLoss);
    return { GlobalCluster: globalOut(rt, g) };
  },
};
