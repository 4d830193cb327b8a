/**
 * The local target's data plane: each instance is a real PostgreSQL process on a loopback address of
 * its own, a cluster's readers are streaming hot standbys of its writer, and the cluster and reader
 * endpoints are TCP proxies on addresses of their own, all on the cluster's one port
 * (endpoint-addresses.ts). Implements the DataPlane contract the simulated control plane drives; its
 * state and bookkeeping are in local-plane-base.ts.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTargetError } from '../../errors.js';
import type { ClusterSettings, ClusterSpec, DataPlane, Endpoint, GlobalSwitchRequest, InstanceSettings, InstanceSpec } from '../../sim/data-plane.js';
import { targetOf, withClusterLock, type ClusterState, type InstanceState } from './cluster-state.js';
import { switchWriter, type FailoverTimings } from '../topology/failover.js';
import {
  detachGlobalSecondary, globalFollowers, globalSource, measureGlobalLag, switchGlobalPrimary,
  type GlobalLag, type GlobalSwitchTimings,
} from '../topology/global-replication.js';
import { LocalPlaneBase } from './local-plane-base.js';
import { openMysqlFront } from './mysql-fronts.js';
import { mysqlSocketConnector, mysqlStatementSource } from '../engines/mysql/pi-statements.js';
import { IamFront } from '../engines/postgres/iam-front.js';
import type { LocalCredentials } from '../daemon/local-credentials.js';
import { engineOf, type InstanceServer } from '../engines/instance-server.js';
import type { LocalServer } from './local-server.js';
import { TcpProxy } from '../endpoints/tcp-proxy.js';
import { LocalPitr } from '../snapshots/pitr.js';

export type { LocalDataPlaneOptions } from './local-plane-base.js';

export class LocalDataPlane extends LocalPlaneBase implements DataPlane {
  /** The last failover's timings, for measurements and tests. */
  lastFailover?: FailoverTimings & { clusterId: string; from: string; to: string };
  /** The last global switchover or failover's timings, likewise. */
  lastGlobalSwitch?: GlobalSwitchTimings;
  /** Point-in-time recovery (snapshots/pitr.ts): base backups of new writers, restores to a moment. */
  private readonly pitr = new LocalPitr({
    baseDir: this.baseDir,
    binaries: () => this.pg.binaries,
    mariaBinaries: () => this.mysql.binaries,
    user: this.user,
    ports: this.ports,
    reporter: this.reporter,
    snapshots: this.snapshots,
    withWriter: (clusterId, why, work) => {
      const writerId = this.clusters.get(clusterId)?.writerId;
      return writerId ? this.serverless.whileAwake([writerId], why, () => work(this.instances.get(writerId)?.server)) : work(undefined);
    },
    members: (clusterId) => {
      const cluster = this.clusters.get(clusterId);
      const ids = cluster ? [...(cluster.writerId ? [cluster.writerId] : []), ...[...cluster.members].filter((id) => id !== cluster.writerId)] : [];
      return ids.flatMap((id) => this.instances.get(id)?.server ?? []);
    },
  });

  async createCluster(spec: ClusterSpec): Promise<{ endpoint: Endpoint; readerEndpoint: Endpoint }> {
    await this.start();
    const driver = this.driver(engineOf(spec.engine), spec.engine);
    const clash = this.identifierClash('cluster', spec.clusterId, spec.region);
    if (clash) throw new LocalTargetError(clash, { code: 'LOCAL_ID_CLASH' });
    if (this.clusters.has(spec.clusterId)) throw new LocalTargetError(`Cluster ${spec.clusterId} exists.`);
    // RestoreDBClusterToPointInTime: the volume is recovered now; the first instance copies it like a snapshot.
    if (spec.fromPointInTime) spec = { ...spec, fromSnapshot: await this.pitr.restore(spec) };
    const writerProxy = new TcpProxy(`${spec.clusterId}/cluster`);
    const readerProxy = new TcpProxy(`${spec.clusterId}/reader`);
    // A connection to a paused Serverless v2 instance waits here while it resumes.
    writerProxy.beforeConnect = readerProxy.beforeConnect = (target) => this.serverless.beforeConnect(target.id);
    const { endpoint, readerEndpoint, moved } = await this.endpoints!.openCluster(spec.clusterId, writerProxy, readerProxy, spec.port ?? driver.defaultPort);
    if (moved) this.movedPorts.set(spec.clusterId, moved);
    const cluster: ClusterState = { spec, writerProxy, readerProxy, members: new Set(), deleting: new Set(), lock: Promise.resolve() };
    this.clusters.set(spec.clusterId, cluster);
    this.openFront(cluster);
    if (spec.iamAuth) this.setIamAuth(cluster, true);
    this.record();
    return { endpoint, readerEndpoint };
  }

  /**
   * Readers of a cluster may be created concurrently (each clones the writer); an instance that would
   * become the writer is made under the cluster's lock, so a cluster never gets two.
   */
  async createInstance(spec: InstanceSpec): Promise<{ endpoint: Endpoint }> {
    await this.start();
    const cluster = spec.clusterId ? this.cluster(spec.clusterId) : undefined;
    if (cluster && !cluster.writerId && !cluster.spec.globalPrimary) return withClusterLock(cluster, () => this.buildInstance(spec, cluster));
    // A new reader clones the writer, which must be running for that.
    return this.serverless.whileAwake([cluster?.writerId], 'a new reader clones it', () => this.buildInstance(spec, cluster));
  }

  private async buildInstance(spec: InstanceSpec, cluster: ClusterState | undefined): Promise<{ endpoint: Endpoint }> {
    const clash = this.identifierClash('instance', spec.instanceId, spec.region);
    if (clash) throw new LocalTargetError(clash, { code: 'LOCAL_ID_CLASH' });
    if (this.instances.has(spec.instanceId)) throw new LocalTargetError(`Instance ${spec.instanceId} exists.`);
    const driver = this.driver(engineOf(spec.engine), spec.engine);
    // A global secondary's instances stream from the primary cluster's writer, in the other region.
    const writer = cluster?.writerId ? this.instance(cluster.writerId).server : cluster ? globalSource(this.globalHost, cluster) : undefined;
    const masterUsername = cluster?.spec.masterUsername ?? spec.masterUsername ?? 'postgres';
    const masterPassword = cluster?.spec.masterPassword ?? spec.masterPassword ?? '';
    const snapshot = !writer && cluster?.spec.fromSnapshot ? this.snapshots.read(cluster.spec.fromSnapshot.snapshotId) : undefined;
    const request = {
      spec,
      ...(cluster ? { cluster: cluster.spec, clusterPort: cluster.writerProxy.port } : {}),
      wantedPort: spec.port ?? driver.defaultPort,
      source: writer
        ? { kind: 'replica' as const, writer }
        : snapshot
          ? { kind: 'snapshot' as const, dataDir: this.snapshots.dataDir(snapshot.snapshotId), superuser: snapshot.superuser }
          : { kind: 'new' as const, masterUsername, masterPassword },
    };
    const built = await driver.build(request);
    const { server } = built;
    const state: InstanceState = { spec, server: server as LocalServer, endpoint: built.endpoint, masterUsername, ...(built.instanceProxy ? { instanceProxy: built.instanceProxy } : {}) };
    this.instances.set(spec.instanceId, state);
    this.sessionIds.set(spec.instanceId, randomUUID());
    this.record();
    try {
      if (!writer) await driver.setUpPrimary(server, { ...request, masterUsername, masterPassword });
    } catch (err) {
      // Not deleteInstance: a writer is built under the cluster's lock, and it is no member yet.
      await this.removeInstance(state, undefined).catch(() => {});
      throw err;
    }
    if (cluster) {
      cluster.members.add(spec.instanceId);
      if (!writer) cluster.writerId = spec.instanceId;
      this.routeCluster(cluster, { dropWriterConnections: false });
      if (!writer) await this.pitr.writerReady(cluster.spec.clusterId, state.server, built.startedFrom);
    }
    this.instanceReady(state, cluster);
    await this.applyPerformanceInsights(spec.instanceId);
    await this.serverless.configure(spec, cluster?.spec.serverless);
    this.emit('local.instance.created', 'info', `Instance ${spec.instanceId} runs on ${server.host}:${server.port}`, {
      instanceId: spec.instanceId,
      role: writer ? 'reader' : 'writer',
      host: server.host,
      port: server.port,
    });
    return { endpoint: this.instanceEndpoint(spec.instanceId) };
  }

  /**
   * Deleting the writer of a cluster with readers fails over to one of them, as Aurora does, unless
   * every reader is being deleted too (a cluster being torn down): promoting one only to delete it
   * next costs a failover per reader. The writer is fenced first (a failover starts with that
   * anyway), which also gives the other deletions of a teardown time to arrive.
   */
  async deleteInstance(instanceId: string): Promise<void> {
    const state = this.instances.get(instanceId);
    if (!state) return;
    const cluster = state.spec.clusterId ? this.clusters.get(state.spec.clusterId) : undefined;
    if (!cluster) return this.removeInstance(state, undefined);
    cluster.deleting.add(instanceId);
    try {
      await withClusterLock(cluster, async () => {
        const current = this.instances.get(instanceId);
        if (!current) return;
        if (cluster.writerId === instanceId) {
          cluster.writerProxy.setTargets([], { dropExisting: true });
          // PostgreSQL: stopped; MySQL: read-only, so a reader can catch up with it before it is promoted.
          if (current.server.isRunning()) await this.driverOf(current.server).replication.fence(current.server);
          const next = this.readersOf(cluster)
            .filter((r) => !cluster.deleting.has(r.spec.instanceId))
            .sort((a, b) => a.spec.promotionTier - b.spec.promotionTier)[0];
          if (next) await this.switchTo(cluster, next.spec.instanceId, { rejoinOldWriter: false });
          else if (this.readersOf(cluster).length > 0) this.emit('local.writer.deleted', 'info', `Writer ${instanceId} of ${cluster.spec.clusterId} deleted with every reader: no failover`, { clusterId: cluster.spec.clusterId, instanceId });
        }
        await this.removeInstance(current, cluster);
      });
    } finally {
      cluster.deleting.delete(instanceId);
    }
  }

  private async removeInstance(state: InstanceState, cluster: ClusterState | undefined): Promise<void> {
    const instanceId = state.spec.instanceId;
    await this.serverless.untrack(instanceId, { resume: false });
    cluster?.members.delete(instanceId);
    if (cluster?.writerId === instanceId) cluster.writerId = undefined;
    this.instances.delete(instanceId);
    if (cluster) this.routeCluster(cluster, { dropWriterConnections: false });
    await this.pi.off(instanceId);
    await state.server.stop('fast');
    await state.instanceProxy?.close();
    if (state.server.engine === 'mysql') this.mysql.released(state.server);
    this.endpoints!.release(state.endpoint);
    this.sessionIds.delete(instanceId);
    rmSync(state.server.dir, { recursive: true, force: true });
    this.record();
  }

  async deleteCluster(clusterId: string): Promise<void> {
    const cluster = this.clusters.get(clusterId);
    if (!cluster) return;
    for (const id of [...cluster.members]) if (id !== cluster.writerId) await this.deleteInstance(id);
    if (cluster.writerId) await this.deleteInstance(cluster.writerId);
    cluster.iamFront?.detach(cluster.writerProxy, cluster.readerProxy);
    await Promise.all([cluster.writerProxy.close(), cluster.readerProxy.close()]);
    this.endpoints!.releaseCluster([cluster.writerProxy, cluster.readerProxy].map((p) => ({ address: p.host, port: p.port })));
    this.clusters.delete(clusterId);
    this.movedPorts.delete(clusterId);
    await this.pitr.forget(clusterId);
    this.record();
  }

  async failover(clusterId: string, newWriterId: string): Promise<void> {
    const cluster = this.cluster(clusterId);
    await withClusterLock(cluster, () => this.switchTo(cluster, newWriterId, { rejoinOldWriter: true }));
  }

  /** Move the writer (the caller holds the cluster's lock). Without rejoinOldWriter the old writer stays stopped. */
  private async switchTo(cluster: ClusterState, newWriterId: string, options: { rejoinOldWriter: boolean }): Promise<void> {
    const clusterId = cluster.spec.clusterId;
    const oldId = cluster.writerId;
    if (!cluster.members.has(newWriterId)) {
      throw new LocalTargetError(`Instance ${newWriterId} is not a member of cluster ${clusterId}.`, { code: 'LOCAL_FAILOVER' });
    }
    if (!oldId || oldId === newWriterId) return;
    // Every instance taking part runs: paused readers resume first (they are re-pointed or promoted).
    const involved = [...cluster.members].filter((id) => !cluster.deleting.has(id) || id === newWriterId);
    await this.serverless.whileAwake(involved, 'a failover', () => this.moveWriter(cluster, oldId, newWriterId, options));
  }

  private async moveWriter(cluster: ClusterState, oldId: string, newWriterId: string, options: { rejoinOldWriter: boolean }): Promise<void> {
    const clusterId = cluster.spec.clusterId;
    const oldWriter = this.instance(oldId).server;
    const newWriter = this.instance(newWriterId).server;
    // Readers on their way out need not follow the new writer.
    const others: InstanceServer[] = [
      ...this.readersOf(cluster)
        .filter((r) => r.spec.instanceId !== newWriterId && !cluster.deleting.has(r.spec.instanceId))
        .map((r) => r.server),
      ...globalFollowers(this.globalHost, cluster),
    ];
    const timings = await switchWriter<InstanceServer>(oldWriter, newWriter, others, this.driverOf(oldWriter).replication, {
      closeWriterEndpoint: () => cluster.writerProxy.setTargets([], { dropExisting: true }),
      openWriterEndpoint: () => {
        cluster.writerId = newWriterId;
        cluster.writerProxy.setTargets([targetOf(newWriter)]);
        this.topology.changed(clusterId);
      },
      readersChanged: () => this.routeCluster(cluster, { dropWriterConnections: false }),
    }, { rejoin: options.rejoinOldWriter });
    this.lastFailover = { ...timings, clusterId, from: oldId, to: newWriterId };
    this.record();
    this.emit('local.failover', 'info', `Writer of ${clusterId} moved from ${oldId} to ${newWriterId} in ${timings.switchMs} ms`, this.lastFailover);
  }

  async rebootInstance(instanceId: string): Promise<void> {
    await this.serverless.whileAwake([instanceId], 'a reboot', () => this.restart(instanceId));
  }

  private async restart(instanceId: string): Promise<void> {
    const { server, spec } = this.instance(instanceId);
    const cluster = spec.clusterId ? this.cluster(spec.clusterId) : undefined;
    await server.stop('fast');
    // A rebooting reader takes no new connections from the reader endpoint until it is back.
    if (cluster) this.routeCluster(cluster, { dropWriterConnections: false });
    await server.start();
    if (cluster) this.routeCluster(cluster, { dropWriterConnections: false });
    this.record();
  }

  async createSnapshot(kind: 'cluster' | 'instance', sourceId: string, snapshotId: string): Promise<void> {
    await this.start();
    // A global secondary has no writer: its snapshot is a base backup of one of its standbys.
    const sourceInstance = kind === 'cluster' ? (this.cluster(sourceId).writerId ?? [...this.cluster(sourceId).members][0]) : sourceId;
    if (!sourceInstance) throw new LocalTargetError(`Cluster ${sourceId} has no writer to snapshot.`, { code: 'LOCAL_SNAPSHOT' });
    await this.serverless.whileAwake([sourceInstance], 'a snapshot', () => this.copySnapshot(kind, sourceId, sourceInstance, snapshotId));
  }

  private async copySnapshot(kind: 'cluster' | 'instance', sourceId: string, sourceInstance: string, snapshotId: string): Promise<void> {
    const source = this.instance(sourceInstance).server;
    await this.snapshots.save({ snapshotId, kind, sourceId, superuser: source.superuser }, (dataDir) => this.driverOf(source).snapshot(source, dataDir));
  }

  async deleteSnapshot(snapshotId: string): Promise<void> {
    this.snapshots.delete(snapshotId);
  }

  async setMasterPassword(clusterOrInstanceId: string, password: string): Promise<void> {
    const cluster = this.clusters.get(clusterOrInstanceId);
    // Instances created later (the first one of a restored cluster, whose password is changed before
    // it has any) take the password from the cluster's spec.
    if (cluster) cluster.spec.masterPassword = password;
    const id = cluster ? cluster.writerId : clusterOrInstanceId;
    if (!id) return;
    const state = this.instance(id);
    await this.serverless.whileAwake([id], 'a password change', () => state.server.setPassword(state.masterUsername, password));
  }

  /** Apply changed cluster settings; each feature's part is its own small call. */
  async configureCluster(clusterId: string, settings: ClusterSettings): Promise<void> {
    await this.start();
    const cluster = this.cluster(clusterId);
    this.setIamAuth(cluster, settings.iamAuth);
    cluster.spec.serverless = settings.serverless;
    cluster.spec.performanceInsights = settings.performanceInsights;
    for (const id of cluster.members) {
      await this.serverless.configure(this.instance(id).spec, settings.serverless);
      await this.serverless.whileAwake([id], 'Performance Insights', () => this.applyPerformanceInsights(id));
    }
  }

  /** Apply changed instance settings; each feature's part is its own small call. */
  async configureInstance(instanceId: string, settings: InstanceSettings): Promise<void> {
    await this.start();
    const state = this.instance(instanceId);
    state.spec.instanceClass = settings.instanceClass;
    state.spec.performanceInsights = settings.performanceInsights;
    const cluster = state.spec.clusterId ? this.clusters.get(state.spec.clusterId) : undefined;
    await this.serverless.configure(state.spec, cluster?.spec.serverless);
    await this.serverless.whileAwake([instanceId], 'Performance Insights', () => this.applyPerformanceInsights(instanceId));
  }

  async switchGlobalPrimary(request: GlobalSwitchRequest): Promise<void> {
    const timings = await switchGlobalPrimary(this.globalHost, request);
    this.lastGlobalSwitch = timings;
    this.record();
    this.emit('local.global.switched', 'info', `Global primary moved from ${timings.fromClusterId} to ${timings.toClusterId} in ${timings.switchMs} ms (catch-up ${timings.catchUpMs} ms, stop ${timings.stopOldWriterMs} ms, promote ${timings.promoteMs} ms, old primary rejoined in ${timings.rejoinMs} ms${timings.allowDataLoss ? ', data loss allowed' : ''})`, timings);
  }

  async detachGlobalSecondary(clusterId: string, newWriterId: string | undefined): Promise<void> {
    await detachGlobalSecondary(this.globalHost, clusterId, newWriterId);
    this.record();
  }

  /** How far a global secondary's instances are behind the primary's writer (tests and measurements). */
  globalLag(clusterId: string): Promise<GlobalLag[]> {
    return measureGlobalLag(this.globalHost, this.cluster(clusterId));
  }

  /** An instance is built and routed: its own endpoint (MySQL's proxy) gets the cluster's front. */
  private instanceReady(state: InstanceState, cluster: ClusterState | undefined): void {
    const proxy = state.instanceProxy;
    if (!proxy) return;
    // A connection to a paused Serverless v2 instance waits here while it resumes.
    proxy.beforeConnect = (target) => this.serverless.beforeConnect(target.id);
    cluster?.mysqlFront?.attach(proxy);
  }

  /** A new Aurora MySQL cluster: the front on its endpoints. */
  private openFront(cluster: ClusterState): void {
    if (engineOf(cluster.spec.engine) !== 'mysql') return;
    openMysqlFront(cluster, {
      tls: this.tls!,
      ...(this.credentials ? { credentials: this.credentials } : {}),
      secret: this.mysql.iamSecret,
      instance: (id) => this.instances.get(id),
      reporter: this.reporter,
    });
  }

  /** PI is on for an instance when it is on for the instance or for its cluster. */
  private async applyPerformanceInsights(instanceId: string): Promise<void> {
    const state = this.instance(instanceId);
    const cluster = state.spec.clusterId ? this.clusters.get(state.spec.clusterId) : undefined;
    const on = state.spec.performanceInsights || (cluster?.spec.performanceInsights ?? false);
    const writerId = cluster ? cluster.writerId : instanceId;
    const server = state.server;
    if (server.engine === 'postgres') {
      const writer = writerId ? this.pgServer(writerId) : undefined;
      return this.pi.set(on, { instanceId, resourceId: state.spec.resourceId, server }, writer, this.pg.binaries);
    }
    if (!on) return this.pi.off(instanceId);
    // MySQL: performance_schema is on in every local MariaDB (its digests are what PI reads).
    this.pi.enable({ instanceId, resourceId: state.spec.resourceId },
      () => mysqlStatementSource({ connect: mysqlSocketConnector(() => server.socketPath, server.superuser), excludeUser: server.superuser }),
      'performance_schema');
  }

  /** IAM database authentication on: the endpoints get the authenticating front (iam-front.ts); off: plain proxies again. */
  private setIamAuth(cluster: ClusterState, on: boolean): void {
    cluster.spec.iamAuth = on;
    // MySQL's front is always on and reads the setting at each login.
    if (cluster.mysqlFront) return;
    if (!on) return cluster.iamFront?.detach(cluster.writerProxy, cluster.readerProxy);
    cluster.iamFront ??= new IamFront({
      clusterId: cluster.spec.clusterId,
      region: cluster.spec.region,
      tls: this.tls!,
      credentials: this.iamCredentials(),
      instance: (id) => this.pgServer(id),
      writer: () => (cluster.writerId ? this.pgServer(cluster.writerId) : undefined),
      reporter: this.reporter,
    });
    cluster.iamFront.attach(cluster.writerProxy, cluster.readerProxy);
  }

  private iamCredentials(): LocalCredentials {
    if (!this.credentials) throw new LocalTargetError('IAM database authentication needs the local credentials; this data plane was made without them.', { code: 'LOCAL_NO_CREDENTIALS' });
    return this.credentials;
  }
}
