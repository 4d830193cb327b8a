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
import { installAuroraFunctions } from '../engines/postgres/aurora-functions.js';
import { targetOf, withClusterLock, type ClusterState, type InstanceState } from './cluster-state.js';
import { switchWriter, type FailoverTimings } from '../topology/failover.js';
import { ensureDataTemplate, TEMPLATE_SUPERUSER } from '../engines/postgres/data-template.js';
import {
  detachGlobalSecondary, globalFollowers, globalSource, measureGlobalLag, switchGlobalPrimary,
  type GlobalLag, type GlobalSwitchTimings,
} from '../topology/global-replication.js';
import { ensureIamSupport } from '../engines/postgres/iam-setup.js';
import { ensureDatabase } from '../engines/postgres/instance-setup.js';
import { ensureMasterUser, launchInstance } from './instance-launch.js';
import { DEFAULT_PG_PORT, LocalPlaneBase } from './local-plane-base.js';
import { baseBackup } from '../engines/postgres/pg-server.js';
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
    binaries: () => this.binaries!,
    user: this.user,
    ports: this.ports,
    reporter: this.reporter,
    snapshots: this.snapshots,
    withWriter: (clusterId, why, work) => {
      const writerId = this.clusters.get(clusterId)?.writerId;
      return writerId ? this.serverless.whileAwake([writerId], why, () => work(this.instance(writerId).server)) : work(undefined);
    },
  });

  async createCluster(spec: ClusterSpec): Promise<{ endpoint: Endpoint; readerEndpoint: Endpoint }> {
    await this.start();
    if (!/postgres/i.test(spec.engine)) {
      throw new LocalTargetError(`The local target runs PostgreSQL only; engine ${spec.engine} is not available.`, {
        code: 'LOCAL_ENGINE',
        hint: 'The local target has PostgreSQL only: use an aurora-postgresql lab locally, or run this lab against AWS.',
      });
    }
    const clash = this.identifierClash('cluster', spec.clusterId, spec.region);
    if (clash) throw new LocalTargetError(clash, { code: 'LOCAL_ID_CLASH' });
    if (this.clusters.has(spec.clusterId)) throw new LocalTargetError(`Cluster ${spec.clusterId} exists.`);
    // RestoreDBClusterToPointInTime: the volume is recovered now; the first instance copies it like a snapshot.
    if (spec.fromPointInTime) spec = { ...spec, fromSnapshot: await this.pitr.restore(spec) };
    const writerProxy = new TcpProxy(`${spec.clusterId}/cluster`);
    const readerProxy = new TcpProxy(`${spec.clusterId}/reader`);
    // A connection to a paused Serverless v2 instance waits here while it resumes.
    writerProxy.beforeConnect = readerProxy.beforeConnect = (target) => this.serverless.beforeConnect(target.id);
    const { endpoint, readerEndpoint, moved } = await this.endpoints!.openCluster(spec.clusterId, writerProxy, readerProxy, spec.port ?? DEFAULT_PG_PORT);
    if (moved) this.movedPorts.set(spec.clusterId, moved);
    const cluster: ClusterState = { spec, writerProxy, readerProxy, members: new Set(), deleting: new Set(), lock: Promise.resolve() };
    this.clusters.set(spec.clusterId, cluster);
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
    // A global secondary's instances stream from the primary cluster's writer, in the other region.
    const writer = cluster?.writerId ? this.instance(cluster.writerId).server : cluster ? globalSource(this.globalHost, cluster) : undefined;
    const masterUsername = cluster?.spec.masterUsername ?? spec.masterUsername ?? 'postgres';
    const masterPassword = cluster?.spec.masterPassword ?? spec.masterPassword ?? '';
    const snapshot = !writer && cluster?.spec.fromSnapshot ? this.snapshots.read(cluster.spec.fromSnapshot.snapshotId) : undefined;
    const template = !writer && !snapshot && this.templateRoot
      ? await ensureDataTemplate(this.templateRoot, this.binaries!, this.user, this.ports, this.reporter)
      : undefined;
    const superuser = writer?.superuser ?? snapshot?.superuser ?? (template ? TEMPLATE_SUPERUSER : masterUsername);
    const launched = await launchInstance(this.endpoints!, {
      instanceId: spec.instanceId,
      ...(spec.clusterId ? { clusterId: spec.clusterId } : {}),
      baseDir: this.baseDir,
      superuser,
      ...(cluster ? { clusterPort: cluster.writerProxy.port } : {}),
      wantedPort: spec.port ?? DEFAULT_PG_PORT,
      binaries: this.binaries!,
      user: this.user,
      tls: this.tls,
      reporter: this.reporter,
    }, async (s) => {
      if (writer) {
        await s.cloneFrom(writer, { standby: true });
      } else if (snapshot || template) {
        await s.copyDataFrom(snapshot ? this.snapshots.dataDir(snapshot.snapshotId) : template!);
        // A restored cluster is a new primary: nothing may stream from the snapshot's source.
        rmSync(join(s.dataDir, 'standby.signal'), { force: true });
      } else {
        await s.initdb(masterPassword);
      }
    });
    const { server } = launched;
    const state: InstanceState = { spec, server, endpoint: launched.endpoint, masterUsername };
    this.instances.set(spec.instanceId, state);
    this.sessionIds.set(spec.instanceId, randomUUID());
    this.record();
    try {
      if (!writer) {
        if (snapshot || template) await ensureMasterUser(server, masterUsername, masterPassword);
        // A template has them already; a snapshot of an older local cluster may not.
        if (!template) await installAuroraFunctions(server);
        await ensureDatabase(server, cluster?.spec.databaseName ?? spec.databaseName, masterUsername);
        await ensureIamSupport(server, this.user);
      }
    } catch (err) {
      // Not deleteInstance: a writer is built under the cluster's lock, and it is no member yet.
      await this.removeInstance(state, undefined).catch(() => {});
      throw err;
    }
    if (cluster) {
      cluster.members.add(spec.instanceId);
      if (!writer) cluster.writerId = spec.instanceId;
      this.routeCluster(cluster, { dropWriterConnections: false });
      if (!writer) await this.pitr.writerReady(cluster.spec.clusterId, server, snapshot ? this.snapshots.dataDir(snapshot.snapshotId) : template);
    }
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
   * next costs a failover per reader. The writer is stopped first (a failover starts with that
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
          await current.server.stop('fast', 3000);
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
    const others = this.readersOf(cluster)
      .filter((r) => r.spec.instanceId !== newWriterId && !cluster.deleting.has(r.spec.instanceId))
      .map((r) => r.server)
      .concat(globalFollowers(this.globalHost, cluster));
    const timings = await switchWriter(oldWriter, newWriter, others, {
      closeWriterEndpoint: () => cluster.writerProxy.setTargets([], { dropExisting: true }),
      openWriterEndpoint: () => {
        cluster.writerId = newWriterId;
        cluster.writerProxy.setTargets([targetOf(newWriter)]);
        this.topology.changed(clusterId);
      },
      readersChanged: () => this.routeCluster(cluster, { dropWriterConnections: false }),
      recloneAsStandby: async (server, writer) => {
        await server.cloneFrom(writer, { standby: true });
        await server.start();
      },
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
    await this.snapshots.save({ snapshotId, kind, sourceId, superuser: source.superuser }, (dataDir) =>
      baseBackup(this.binaries!, this.user, source, dataDir, { writeRecoveryConf: false }),
    );
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
}
