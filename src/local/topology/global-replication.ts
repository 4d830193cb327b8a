/**
 * Aurora Global Database on the local target: a secondary cluster's instances are hot standbys of the
 * primary cluster's current writer (another local "region"), so they are read-only (SQLSTATE 25006)
 * and lag for real. A switchover stops writes on the old primary, waits until the chosen secondary
 * instance has replayed everything the old writer flushed, promotes it, and turns the old primary's
 * instances into standbys of the new writer. A failover with data loss promotes at once and rebuilds
 * the old primary from the new one, as Aurora does once the old primary region is reachable again.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalTargetError } from '../../errors.js';
import type { ClusterSpec, GlobalSwitchRequest } from '../../sim/data-plane.js';
import type { InstanceServer } from '../engines/instance-server.js';
import type { ReplicationOps } from '../engines/replication-ops.js';
import { switchWriter, type FailoverTimings } from './failover.js';
import type { ProxyTarget, TcpProxy } from '../endpoints/tcp-proxy.js';

/** The parts of a local cluster this module reads and changes (LocalDataPlane's ClusterState). */
export interface GlobalClusterState {
  spec: ClusterSpec;
  writerProxy: TcpProxy;
  readerProxy: TcpProxy;
  writerId?: string;
  members: Set<string>;
  /** Members whose deletion has been asked for and has not finished. */
  deleting: Set<string>;
}

/** What LocalDataPlane lends this module. */
export interface GlobalHost {
  clusters(): Iterable<GlobalClusterState>;
  cluster(id: string): GlobalClusterState;
  server(instanceId: string): InstanceServer;
  /** The replication steps of a server's engine. */
  ops(server: InstanceServer): ReplicationOps;
  withClusterLock<T>(cluster: GlobalClusterState, fn: () => Promise<T>): Promise<T>;
  route(cluster: GlobalClusterState): void;
  /** A fresh copy of `writer` as a replica of it, started. */
  reclone(server: InstanceServer, writer: InstanceServer): Promise<void>;
  emit(code: string, level: 'debug' | 'info' | 'warn', message: string, data?: unknown): void;
}

export interface GlobalSwitchTimings {
  fromClusterId: string;
  toClusterId: string;
  newWriterId: string;
  allowDataLoss: boolean;
  /** WAL bytes the new writer had not replayed when writes stopped (switchover) or when it was promoted (failover); NaN for MySQL. */
  lagBytes: number;
  /** Waiting for the new writer to replay everything the old writer flushed (0 with data loss). */
  catchUpMs: number;
  /** From closing the old primary's endpoints to the new primary's cluster endpoint taking writes. */
  switchMs: number;
  /** Stopping the old writer and promoting the new one (parts of switchMs). */
  stopOldWriterMs: number;
  promoteMs: number;
  /** Until every instance of the old primary replicates from the new writer. */
  rejoinMs: number;
}

export interface GlobalLag {
  instanceId: string;
  /** PostgreSQL: pg_current_wal_lsn() of the primary's writer minus pg_last_wal_replay_lsn() of the instance; NaN for MySQL. */
  bytes: number;
  /** How old the last transaction the instance applied is (null before it applied one). */
  replayAgeMs: number | null;
}

const CATCH_UP_TIMEOUT_MS = 30_000;

/** For a secondary cluster: the writer of its primary, which its instances clone and stream from. */
export function globalSource(host: GlobalHost, cluster: GlobalClusterState): InstanceServer | undefined {
  const primary = cluster.spec.globalPrimary;
  if (!primary) return undefined;
  const source = [...host.clusters()].find((c) => c.spec.clusterId === primary.clusterId && c.spec.region === primary.region);
  if (!source?.writerId) {
    throw new LocalTargetError(`Global secondary ${cluster.spec.clusterId} has no primary writer to replicate from (${primary.region}/${primary.clusterId}).`, {
      code: 'LOCAL_GLOBAL_NO_PRIMARY',
      hint: 'add the secondary once the primary cluster has an available writer instance',
    });
  }
  return host.server(source.writerId);
}

/** Clusters that replicate from `primary` (its global secondaries). */
function secondariesOf(host: GlobalHost, primary: GlobalClusterState): GlobalClusterState[] {
  return [...host.clusters()].filter(
    (c) => c.spec.globalPrimary?.clusterId === primary.spec.clusterId && c.spec.globalPrimary.region === primary.spec.region,
  );
}

function liveMembers(host: GlobalHost, cluster: GlobalClusterState, except?: string): InstanceServer[] {
  return [...cluster.members].filter((id) => id !== except && !cluster.deleting.has(id)).map((id) => host.server(id));
}

/** Instances of other clusters that stream from `primary`'s writer: a failover inside it re-points them too. */
export function globalFollowers(host: GlobalHost, primary: GlobalClusterState): InstanceServer[] {
  return secondariesOf(host, primary).flatMap((c) => liveMembers(host, c));
}

/** A secondary has no writer: its cluster endpoint reaches its read-only instances, like its reader endpoint. */
export function secondaryWriterTargets(cluster: GlobalClusterState, readers: ProxyTarget[]): ProxyTarget[] | undefined {
  return cluster.spec.globalPrimary && !cluster.writerId ? readers : undefined;
}

/** How far each instance of a secondary cluster is behind its primary's writer. */
export async function measureGlobalLag(host: GlobalHost, cluster: GlobalClusterState): Promise<GlobalLag[]> {
  const writer = globalSource(host, cluster);
  if (!writer) throw new LocalTargetError(`Cluster ${cluster.spec.clusterId} is not a global secondary.`, { code: 'LOCAL_GLOBAL' });
  const ops = host.ops(writer);
  return Promise.all(liveMembers(host, cluster).map(async (s) => ({ instanceId: s.instanceId, ...(await ops.lag(writer, s)) })));
}

async function waitReplayed(ops: ReplicationOps, replica: InstanceServer, target: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ops.applied(replica, target)) return true;
    await sleep(10);
  }
  return false;
}

/**
 * A standby that followed a writer which is no longer the primary: re-point it, and re-clone it when it
 * cannot stream from the new writer (it had received WAL the new writer never got).
 */
async function rejoin(host: GlobalHost, server: InstanceServer, writer: InstanceServer): Promise<'follow' | 'clone'> {
  if (server.isRunning() && (await host.ops(server).followAndWait(server, writer))) return 'follow';
  await server.stop('immediate');
  await host.reclone(server, writer);
  return 'clone';
}

function flipRoles(from: GlobalClusterState, to: GlobalClusterState, newWriterId: string): void {
  to.writerId = newWriterId;
  delete to.spec.globalPrimary;
  from.writerId = undefined;
  from.spec.globalPrimary = { region: to.spec.region, clusterId: to.spec.clusterId };
}

/** SwitchoverGlobalCluster / FailoverGlobalCluster: the caller holds no lock; both clusters' are taken here. */
export async function switchGlobalPrimary(host: GlobalHost, req: GlobalSwitchRequest): Promise<GlobalSwitchTimings> {
  const from = host.cluster(req.from.clusterId);
  const to = host.cluster(req.to.clusterId);
  if (to.spec.globalPrimary?.clusterId !== from.spec.clusterId) {
    throw new LocalTargetError(`Cluster ${to.spec.clusterId} is not a secondary of ${from.spec.clusterId}.`, { code: 'LOCAL_GLOBAL' });
  }
  if (!to.members.has(req.newWriterId)) {
    throw new LocalTargetError(`Instance ${req.newWriterId} is not a member of cluster ${to.spec.clusterId}.`, { code: 'LOCAL_GLOBAL' });
  }
  return host.withClusterLock(from, () => host.withClusterLock(to, () => (req.allowDataLoss ? failover(host, from, to, req) : switchover(host, from, to, req))));
}

async function switchover(host: GlobalHost, from: GlobalClusterState, to: GlobalClusterState, req: GlobalSwitchRequest): Promise<GlobalSwitchTimings> {
  const oldWriterId = from.writerId;
  if (!oldWriterId) throw new LocalTargetError(`Primary cluster ${from.spec.clusterId} has no writer.`, { code: 'LOCAL_GLOBAL' });
  const oldWriter = host.server(oldWriterId);
  const newWriter = host.server(req.newWriterId);
  const ops = host.ops(oldWriter);
  const t0 = performance.now();
  // Both endpoints: a cluster without readers serves its reader endpoint from the writer.
  from.writerProxy.setTargets([], { dropExisting: true });
  from.readerProxy.setTargets([], { dropExisting: true });
  let flushed: string;
  let lagBytes: number;
  try {
    flushed = await ops.quiesce(oldWriter);
    lagBytes = (await ops.lag(oldWriter, newWriter)).bytes;
  } catch (err) {
    host.route(from);
    throw err;
  }
  if (!(await waitReplayed(ops, newWriter, flushed, CATCH_UP_TIMEOUT_MS))) {
    // Nothing has changed yet: the old primary takes writes again, as when AWS cancels a switchover.
    host.route(from);
    throw new LocalTargetError(`Switchover to ${to.spec.clusterId} cancelled: ${req.newWriterId} did not replay up to ${flushed} in ${CATCH_UP_TIMEOUT_MS / 1000} s.`, {
      code: 'LOCAL_GLOBAL_CATCHUP',
    });
  }
  const t1 = performance.now();
  // Everyone who streamed from the old writer follows the new one: the rest of both clusters, and
  // any other secondary region.
  const others = [
    ...liveMembers(host, from, oldWriterId),
    ...liveMembers(host, to, req.newWriterId),
    ...secondariesOf(host, from).filter((c) => c !== to).flatMap((c) => liveMembers(host, c)),
  ];
  const rerouteAll = () => {
    host.route(from);
    host.route(to);
  };
  let switched = 0;
  const timings: FailoverTimings = await switchWriter(oldWriter, newWriter, others, ops, {
    closeWriterEndpoint: () => undefined,
    openWriterEndpoint: () => {
      flipRoles(from, to, req.newWriterId);
      for (const c of secondariesOf(host, from)) c.spec.globalPrimary = { region: to.spec.region, clusterId: to.spec.clusterId };
      rerouteAll();
      switched = performance.now();
    },
    readersChanged: rerouteAll,
  }, { rejoin: true });
  return {
    fromClusterId: from.spec.clusterId,
    toClusterId: to.spec.clusterId,
    newWriterId: req.newWriterId,
    allowDataLoss: false,
    lagBytes,
    catchUpMs: Math.round(t1 - t0),
    switchMs: Math.round(switched - t0),
    stopOldWriterMs: timings.stopOldWriterMs,
    promoteMs: timings.promoteMs,
    rejoinMs: timings.rejoinMs,
  };
}

async function failover(host: GlobalHost, from: GlobalClusterState, to: GlobalClusterState, req: GlobalSwitchRequest): Promise<GlobalSwitchTimings> {
  const newWriter = host.server(req.newWriterId);
  const oldWriter = from.writerId ? host.server(from.writerId) : undefined;
  const ops = host.ops(newWriter);
  const lagBytes = oldWriter?.isRunning() ? await ops.lag(oldWriter, newWriter).then((l) => l.bytes, () => Number.NaN) : Number.NaN;
  const t0 = performance.now();
  // Promotion ends replication: whatever the old writer had not shipped yet never arrives.
  await ops.promote(newWriter, undefined);
  const promoteMs = Math.round(performance.now() - t0);
  from.writerProxy.setTargets([], { dropExisting: true });
  from.readerProxy.setTargets([], { dropExisting: true });
  const oldMembers = liveMembers(host, from);
  await Promise.all(oldMembers.map((s) => s.stop('immediate')));
  const thirdRegions = secondariesOf(host, from).filter((c) => c !== to);
  flipRoles(from, to, req.newWriterId);
  for (const c of thirdRegions) c.spec.globalPrimary = { region: to.spec.region, clusterId: to.spec.clusterId };
  host.route(to);
  host.route(from);
  const switchMs = Math.round(performance.now() - t0);
  await Promise.all([
    ...liveMembers(host, to, req.newWriterId).map((s) => rejoin(host, s, newWriter)),
    ...thirdRegions.flatMap((c) => liveMembers(host, c)).map((s) => rejoin(host, s, newWriter)),
  ]);
  host.route(to);
  // The old primary's WAL diverged from the new timeline: it is rebuilt from the new primary (AWS
  // rebuilds the old primary's volume the same way once its region is back).
  for (const s of oldMembers) {
    await host.reclone(s, newWriter);
    host.route(from);
  }
  for (const c of thirdRegions) host.route(c);
  return {
    fromClusterId: from.spec.clusterId,
    toClusterId: to.spec.clusterId,
    newWriterId: req.newWriterId,
    allowDataLoss: true,
    lagBytes,
    catchUpMs: 0,
    switchMs,
    stopOldWriterMs: 0,
    promoteMs,
    rejoinMs: Math.round(performance.now() - t0) - switchMs,
  };
}

/** RemoveFromGlobalCluster of a secondary: promote its writer; its other instances follow it. */
export async function detachGlobalSecondary(host: GlobalHost, clusterId: string, newWriterId: string | undefined): Promise<void> {
  const cluster = host.cluster(clusterId);
  await host.withClusterLock(cluster, async () => {
    if (!cluster.spec.globalPrimary) return;
    const alive = newWriterId && cluster.members.has(newWriterId) && !cluster.deleting.has(newWriterId);
    if (!alive) {
      delete cluster.spec.globalPrimary;
      host.route(cluster);
      return;
    }
    const writer = host.server(newWriterId);
    await host.ops(writer).promote(writer, undefined);
    cluster.writerId = newWriterId;
    delete cluster.spec.globalPrimary;
    host.route(cluster);
    await Promise.all(liveMembers(host, cluster, newWriterId).map((s) => rejoin(host, s, writer)));
    host.route(cluster);
    host.emit('local.global.detached', 'info', `Cluster ${clusterId} left its global database: ${newWriterId} is its writer`, { clusterId, writerId: newWriterId });
  });
}
