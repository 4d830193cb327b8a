/**
 * The local target's data plane: each instance is a real PostgreSQL process on 127.0.0.1, a cluster's
 * readers are streaming hot standbys of its writer, and the cluster and reader endpoints are TCP
 * proxies. Implements the DataPlane contract the simulated control plane drives.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTargetError } from '../errors.js';
import { silentReporter, type Reporter } from '../events.js';
import type { ClusterSettings, ClusterSpec, DataPlane, EngineVersionOffer, Endpoint, GlobalSwitchRequest, InstanceSettings, InstanceSpec } from '../sim/data-plane.js';
import { quoteIdent, setRolePassword, withAdminClient } from './admin-sql.js';
import { switchWriter, type FailoverTimings } from './failover.js';
import { ensureDataTemplate, TEMPLATE_SUPERUSER } from './data-template.js';
import {
  detachGlobalSecondary, globalFollowers, globalSource, measureGlobalLag, secondaryWriterTargets, switchGlobalPrimary,
  type GlobalClusterState, type GlobalHost, type GlobalLag, type GlobalSwitchTimings,
} from './global-replication.js';
import { IamFront } from './iam-front.js';
import { ensureIamSupport } from './iam-setup.js';
import { ensureDatabase, installIdentifierFunction } from './instance-setup.js';
import type { LocalCredentials } from './local-credentials.js';
import { defaultDataRoot, ensureTraversableDir, restrictDir, serverUser, type RunAsUser } from './os-user.js';
import { findPgBinaries, type PgBinaries } from './pg-binaries.js';
import { localEngineVersions } from './engine-versions.js';
import { baseBackup, PgServer } from './pg-server.js';
import { PiCollector } from './pi-collector.js';
import type { PiSampler } from './pi-sampler.js';
import { PortAllocator } from './ports.js';
import { reapLeftovers, writeRegistry, type RegistryFile } from './process-registry.js';
import { ServerlessScaler, timeScaleFromEnv } from './serverless-scaler.js';
import { SnapshotStore } from './snapshot-store.js';
import { TcpProxy } from './tcp-proxy.js';
import { ensureLocalTls, type TlsFiles } from './tls.js';

export interface LocalDataPlaneOptions {
  /** Where data dirs, snapshots and the process record live (default: see defaultDataRoot). */
  baseDir?: string;
  /** Where the local CA and server certificate are kept (default: <baseDir>/tls). */
  tlsDir?: string;
  reporter?: Reporter;
  /** First port to hand out (default AURORA_LAB_LOCAL_PORT_BASE or 15432). */
  basePort?: number;
  /** PostgreSQL bin directory (default AURORA_LAB_PG_BIN or discovery). */
  pgBinDir?: string;
  /**
   * Where the initdb template that new writers copy is kept (default <baseDir>/template); share one
   * between data planes to pay initdb once. false: run initdb for every writer instead.
   */
  templateDir?: string | false;
  /** Shrinks SecondsUntilAutoPause and the Serverless v2 scale-down pace (default AURORA_LAB_LOCAL_TIME_SCALE or 0.02). */
  timeScale?: number;
  /** The local key pair IAM database tokens must be signed with (the server's); without it IAM auth cannot be turned on. */
  credentials?: LocalCredentials;
}

/** A cluster: its spec, endpoint proxies, writer, members and the members being deleted. */
interface ClusterState extends GlobalClusterState {
  /** Changes of the cluster's shape (who is the writer, who is a member) run one at a time on this. */
  lock: Promise<unknown>;
  /** The endpoints' authenticating front, made the first time IAM authentication is turned on. */
  iamFront?: IamFront;
}

interface InstanceState {
  spec: InstanceSpec;
  server: PgServer;
  /** The master user whose password the control plane manages. */
  masterUsername: string;
}

export class LocalDataPlane implements DataPlane {
  readonly baseDir: string;
  readonly tlsDir: string;
  private readonly reporter: Reporter;
  private readonly ports: PortAllocator;
  private readonly user: RunAsUser | undefined;
  private readonly clusters = new Map<string, ClusterState>();
  private readonly instances = new Map<string, InstanceState>();
  private binaries?: PgBinaries;
  private tls?: TlsFiles;
  private starting?: Promise<void>;
  private readonly pgBinDir?: string;
  private readonly templateRoot?: string;
  private readonly snapshots: SnapshotStore;
  /** Performance Insights' samplers, by instance. */
  private readonly pi: PiCollector;
  /** Capacity, CloudWatch history and auto-pause of the db.serverless instances. */
  readonly serverless: ServerlessScaler;
  /** The last failover's timings, for measurements and tests. */
  lastFailover?: FailoverTimings & { clusterId: string; from: string; to: string };
  /** The last global switchover or failover's timings, likewise. */
  lastGlobalSwitch?: GlobalSwitchTimings;

  private readonly credentials: LocalCredentials | undefined;

  constructor(options: LocalDataPlaneOptions = {}) {
    this.baseDir = defaultDataRoot(options.baseDir);
    this.snapshots = new SnapshotStore(join(this.baseDir, 'snapshots'));
    this.tlsDir = options.tlsDir ?? join(this.baseDir, 'tls');
    this.reporter = options.reporter ?? silentReporter;
    this.ports = new PortAllocator(options.basePort ?? (Number(process.env.AURORA_LAB_LOCAL_PORT_BASE) || 15432));
    this.user = serverUser();
    this.pgBinDir = options.pgBinDir;
    this.credentials = options.credentials;
    this.templateRoot = options.templateDir === false ? undefined : (options.templateDir ?? join(this.baseDir, 'template'));
    this.pi = new PiCollector({ reporter: this.reporter });
    this.serverless = new ServerlessScaler({
      server: (id) => this.instances.get(id)?.server,
      proxiedConnections: (id) => {
        const c = this.clusterOf(id);
        return c ? c.writerProxy.connectionsTo(id) + c.readerProxy.connectionsTo(id) : 0;
      },
      hasStandbys: (id) => {
        const c = this.clusterOf(id);
        return c?.writerId === id && c.members.size > 1;
      },
      processesChanged: () => this.record(),
    }, { timeScale: options.timeScale ?? timeScaleFromEnv(), reporter: this.reporter });
  }

  /** Find PostgreSQL, stop leftovers of a crashed run, make the TLS files. Called lazily by every operation. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      this.binaries = findPgBinaries({ binDir: this.pgBinDir });
      restrictDir(this.baseDir);
      const reaped = await reapLeftovers(this.baseDir);
      if (reaped.length > 0) {
        this.emit('local.leftovers.stopped', 'warn', `Stopped ${reaped.length} PostgreSQL process(es) left by an earlier run`, {
          pids: reaped.map((r) => r.pid),
        });
      }
      this.tls = await ensureLocalTls(this.tlsDir);
      this.record();
      this.emit('local.ready', 'debug', `Local data plane in ${this.baseDir} (PostgreSQL ${this.binaries.majorVersion})`, {
        baseDir: this.baseDir,
        pgMajorVersion: this.binaries.majorVersion,
      });
    })();
    return this.starting;
  }

  /** The versions the model may offer: those of the PostgreSQL binaries (found now if start() has not run yet). */
  engineVersions(): EngineVersionOffer[] {
    return localEngineVersions(this.binaries ?? findPgBinaries({ binDir: this.pgBinDir }));
  }

  /** PEM of the CA that signed every local server's certificate. */
  get caPem(): string {
    if (!this.tls) throw new LocalTargetError('The local data plane has not started.', { code: 'LOCAL_NOT_STARTED' });
    return this.tls.caPem;
  }

  get caFile(): string {
    return join(this.tlsDir, 'ca.crt');
  }

  instanceEndpoint(instanceId: string): Endpoint {
    return { address: '127.0.0.1', port: this.instance(instanceId).server.port };
  }

  writerOf(clusterId: string): string | undefined {
    return this.cluster(clusterId).writerId;
  }

  /** Pids of the running postgres servers, by instance. */
  serverPids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.instances].map(([id, s]) => [id, s.server.pid]));
  }

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
    const writerProxy = new TcpProxy(`${spec.clusterId}/cluster`);
    const readerProxy = new TcpProxy(`${spec.clusterId}/reader`);
    // A connection to a paused Serverless v2 instance waits here while it resumes.
    writerProxy.beforeConnect = readerProxy.beforeConnect = (target) => this.serverless.beforeConnect(target.id);
    const endpoint = await writerProxy.listen(await this.ports.allocate());
    const readerEndpoint = await readerProxy.listen(await this.ports.allocate());
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
    if (cluster && !cluster.writerId && !cluster.spec.globalPrimary) return this.withClusterLock(cluster, () => this.buildInstance(spec, cluster));
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
    const server = await this.launch(spec.instanceId, superuser, async (s) => {
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
    const state: InstanceState = { spec, server, masterUsername };
    this.instances.set(spec.instanceId, state);
    this.record();
    try {
      if (!writer) {
        if (snapshot || template) await this.ensureMasterUser(server, masterUsername, masterPassword);
        if (!snapshot && !template) await installIdentifierFunction(server);
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
    }
    await this.applyPerformanceInsights(spec.instanceId);
    await this.serverless.configure(spec, cluster?.spec.serverless);
    this.emit('local.instance.created', 'info', `Instance ${spec.instanceId} runs on 127.0.0.1:${server.port}`, {
      instanceId: spec.instanceId,
      role: writer ? 'reader' : 'writer',
      port: server.port,
    });
    return { endpoint: { address: '127.0.0.1', port: server.port } };
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
      await this.withClusterLock(cluster, async () => {
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
    this.ports.release(state.server.port);
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
    this.ports.release(cluster.writerProxy.port);
    this.ports.release(cluster.readerProxy.port);
    this.clusters.delete(clusterId);
    this.record();
  }

  async failover(clusterId: string, newWriterId: string): Promise<void> {
    const cluster = this.cluster(clusterId);
    await this.withClusterLock(cluster, () => this.switchTo(cluster, newWriterId, { rejoinOldWriter: true }));
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
        cluster.writerProxy.setTargets([{ id: newWriterId, port: newWriter.port }]);
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

  /**
   * Clusters and instances are keyed by identifier alone (the DataPlane calls name no region), so the
   * same identifier in two local regions, legal on AWS, is refused with a message that says why.
   * Returns that message, or undefined when the identifier is free or taken in `region` itself.
   */
  identifierClash(kind: 'cluster' | 'instance', id: string, region: string): string | undefined {
    const existing = kind === 'cluster' ? this.clusters.get(id)?.spec : this.instances.get(id)?.spec;
    if (!existing || existing.region === region) return undefined;
    return `The local target needs ${kind} identifiers unique across regions: ${id} already exists in ${existing.region}, so it cannot be created in ${region} too. Use another identifier.`;
  }

  /** The Performance Insights sampler of the instance with this DbiResourceId, while PI is on. */
  piSampler(resourceId: string): PiSampler | undefined {
    return this.pi.sampler(resourceId);
  }

  /** Stop every server and proxy; with purge, delete data, snapshots and TLS files too. */
  async shutdown(options: { purge?: boolean } = {}): Promise<void> {
    await this.pi.stopAll();
    // Data about to be purged needs no shutdown checkpoint.
    const mode = options.purge ? 'immediate' : 'fast';
    await this.serverless.close();
    await Promise.all([...this.instances.values()].map((s) => s.server.stop(mode)));
    for (const c of this.clusters.values()) c.iamFront?.detach(c.writerProxy, c.readerProxy);
    await Promise.all([...this.clusters.values()].flatMap((c) => [c.writerProxy.close(), c.readerProxy.close()]));
    this.instances.clear();
    this.clusters.clear();
    rmSync(join(this.baseDir, 'processes.json'), { force: true });
    if (options.purge) rmSync(this.baseDir, { recursive: true, force: true });
    this.starting = undefined;
  }

  // ---- internals ----

  private async launch(instanceId: string, superuser: string, prepare: (s: PgServer) => Promise<void>): Promise<PgServer> {
    // Another program may bind the port between our check and postgres's bind: retry on a fresh port.
    for (let attempt = 0; ; attempt++) {
      const server = new PgServer({
        instanceId,
        dir: join(this.baseDir, 'instances', instanceId),
        port: await this.ports.allocate(),
        binaries: this.binaries!,
        user: this.user,
        superuser,
        tls: this.tls,
        reporter: this.reporter,
      });
      try {
        await prepare(server);
        await server.start();
        return server;
      } catch (err) {
        this.ports.release(server.port);
        const portClash = server.logTail().some((l) => /could not bind|already in use/i.test(l));
        if (!portClash || attempt >= 2) {
          rmSync(server.dir, { recursive: true, force: true });
          throw err;
        }
      }
    }
  }

  /** PI is on for an instance when it is on for the instance or for its cluster. */
  private async applyPerformanceInsights(instanceId: string): Promise<void> {
    const state = this.instance(instanceId);
    const cluster = state.spec.clusterId ? this.clusters.get(state.spec.clusterId) : undefined;
    const on = state.spec.performanceInsights || (cluster?.spec.performanceInsights ?? false);
    const writerId = cluster ? cluster.writerId : instanceId;
    const writer = writerId ? this.instances.get(writerId)?.server : undefined;
    await this.pi.set(on, { instanceId, resourceId: state.spec.resourceId, server: state.server }, writer, this.binaries!);
  }

  /** After a restore: the cluster's master user exists and has the new cluster's password. */
  private async ensureMasterUser(server: PgServer, username: string, password: string): Promise<void> {
    await withAdminClient(server.socket, async (c) => {
      const r = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
      if (r.rowCount === 0) await c.query(`CREATE ROLE ${quoteIdent(username)} SUPERUSER LOGIN`);
      await setRolePassword(c, username, password);
    });
  }

  /** IAM database authentication on: the endpoints get the authenticating front (iam-front.ts); off: plain proxies again. */
  private setIamAuth(cluster: ClusterState, on: boolean): void {
    cluster.spec.iamAuth = on;
    if (!on) return cluster.iamFront?.detach(cluster.writerProxy, cluster.readerProxy);
    cluster.iamFront ??= new IamFront({
      clusterId: cluster.spec.clusterId,
      region: cluster.spec.region,
      tls: this.tls!,
      credentials: this.iamCredentials(),
      instance: (id) => this.instances.get(id)?.server,
      writer: () => (cluster.writerId ? this.instances.get(cluster.writerId)?.server : undefined),
      reporter: this.reporter,
    });
    cluster.iamFront.attach(cluster.writerProxy, cluster.readerProxy);
  }

  private iamCredentials(): LocalCredentials {
    if (!this.credentials) throw new LocalTargetError('IAM database authentication needs the local credentials; this data plane was made without them.', { code: 'LOCAL_NO_CREDENTIALS' });
    return this.credentials;
  }

  /** Run `fn` after every earlier locked change of the cluster has settled. */
  private withClusterLock<T>(cluster: ClusterState, fn: () => Promise<T>): Promise<T> {
    const run = cluster.lock.then(fn);
    cluster.lock = run.catch(() => undefined);
    return run;
  }

  private readersOf(cluster: ClusterState): InstanceState[] {
    return [...cluster.members].filter((id) => id !== cluster.writerId).map((id) => this.instance(id));
  }

  private routeCluster(cluster: ClusterState, options: { dropWriterConnections: boolean }): void {
    const writer = cluster.writerId ? this.instance(cluster.writerId).server : undefined;
    const readers = this.readersOf(cluster)
      // A paused Serverless v2 reader still takes connections: the first one resumes it.
      .filter((r) => r.server.isRunning() || this.serverless.isPaused(r.spec.instanceId))
      .map((r) => ({ id: r.spec.instanceId, port: r.server.port }));
    const writerTargets = writer ? [{ id: writer.instanceId, port: writer.port }] : (secondaryWriterTargets(cluster, readers) ?? []);
    const current = cluster.writerProxy.getTargets();
    if (current.map((t) => `${t.id}:${t.port}`).join() !== writerTargets.map((t) => `${t.id}:${t.port}`).join()) {
      cluster.writerProxy.setTargets(writerTargets, { dropExisting: options.dropWriterConnections });
    }
    cluster.readerProxy.setTargets(readers.length > 0 ? readers : writerTargets);
  }

  private clusterOf(instanceId: string): ClusterState | undefined {
    const clusterId = this.instances.get(instanceId)?.spec.clusterId;
    return clusterId ? this.clusters.get(clusterId) : undefined;
  }

  private cluster(id: string): ClusterState {
    const c = this.clusters.get(id);
    if (!c) throw new LocalTargetError(`No local cluster ${id}.`, { code: 'LOCAL_NOT_FOUND' });
    return c;
  }

  private instance(id: string): InstanceState {
    const s = this.instances.get(id);
    if (!s) throw new LocalTargetError(`No local instance ${id}.`, { code: 'LOCAL_NOT_FOUND' });
    return s;
  }

  private record(): void {
    if (!existsSync(this.baseDir)) ensureTraversableDir(this.baseDir);
    const reg: RegistryFile = {
      version: 1,
      ownerPid: process.pid,
      servers: [...this.instances.values()]
        .filter((s) => s.server.pid !== undefined)
        .map((s) => ({ instanceId: s.spec.instanceId, pid: s.server.pid!, port: s.server.port, dataDir: s.server.dataDir })),
      proxies: [...this.clusters.values()].flatMap((c) => [
        { name: c.writerProxy.name, port: c.writerProxy.port },
        { name: c.readerProxy.name, port: c.readerProxy.port },
      ]),
    };
    writeRegistry(this.baseDir, reg);
  }

  /** What global-replication.ts may touch (its cluster states are this plane's own). */
  private get globalHost(): GlobalHost {
    return {
      clusters: () => this.clusters.values(),
      cluster: (id) => this.cluster(id),
      server: (id) => this.instance(id).server,
      withClusterLock: (cluster, fn) => this.withClusterLock(cluster as ClusterState, fn),
      route: (cluster) => this.routeCluster(cluster as ClusterState, { dropWriterConnections: false }),
      reclone: async (server, writer) => {
        await server.cloneFrom(writer, { standby: true });
        await server.start();
      },
      emit: (code, level, message, data) => this.emit(code, level, message, data),
    };
  }

  private emit(code: string, level: 'debug' | 'info' | 'warn', message: string, data?: unknown): void {
    this.reporter.emit({ code, level, message, data });
  }
}

