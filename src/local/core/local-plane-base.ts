/**
 * The state and bookkeeping under the local data plane (local-data-plane.ts has its operations): the
 * clusters and instances, start-up (PostgreSQL binaries, leftovers of a crashed run, the endpoints'
 * address block and TLS files), how a cluster's endpoints are routed and what aurora_replica_status()
 * is told, the process record, and shutdown.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTargetError } from '../../errors.js';
import { silentReporter, type Reporter } from '../../events.js';
import type { Endpoint, EngineVersionOffer } from '../../sim/data-plane.js';
import { readersOf, routeCluster, withClusterLock, type ClusterState, type InstanceState } from './cluster-state.js';
import { AddressPool, chooseAddressMode, SINGLE_ADDRESS } from '../endpoints/endpoint-addresses.js';
import { EndpointAllocator, type MovedPort } from '../endpoints/endpoint-allocator.js';
import type { GlobalHost } from '../topology/global-replication.js';
import type { LocalCredentials } from '../daemon/local-credentials.js';
import { defaultDataRoot, ensureTraversableDir, restrictDir, serverUser, type RunAsUser } from './os-user.js';
import type { EngineDriver } from './engine-driver.js';
import type { EngineName, InstanceServer } from '../engines/instance-server.js';
import { PgDriver } from './pg-driver.js';
import { MysqlDriver } from './mysql-driver.js';
import type { PgServer } from '../engines/postgres/pg-server.js';
import type { MariaServer } from '../engines/mysql/maria-server.js';
import { mysqlSocketConnector } from '../engines/mysql/pi-statements.js';
import { mysqlSessionSource } from '../engines/mysql/sessions.js';
import { PiCollector } from '../pi/pi-collector.js';
import type { PiSampler } from '../pi/pi-sampler.js';
import { PortAllocator } from './ports.js';
import { reapLeftovers, writeRegistry, type RegistryFile } from './process-registry.js';
import { ServerlessScaler, timeScaleFromEnv } from '../serverless/serverless-scaler.js';
import { SnapshotStore } from '../snapshots/snapshot-store.js';
import { ensureLocalTls, type TlsFiles } from '../endpoints/tls.js';
import { TopologyPublisher, type ClusterTopology, type TopologyTarget } from '../topology/topology-publisher.js';

export { DEFAULT_PG_PORT } from './pg-driver.js';

export interface LocalDataPlaneOptions {
  /** Where data dirs, snapshots and the process record live (default: see defaultDataRoot). */
  baseDir?: string;
  /** Where the local CA and server certificate are kept (default: <baseDir>/tls). */
  tlsDir?: string;
  reporter?: Reporter;
  /**
   * First port to hand out where an endpoint cannot have its cluster's port (single-address mode, or
   * the port taken everywhere; default AURORA_LAB_LOCAL_PORT_BASE or 15432).
   */
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

export abstract class LocalPlaneBase {
  readonly baseDir: string;
  readonly tlsDir: string;
  protected readonly reporter: Reporter;
  protected readonly ports: PortAllocator;
  /** Addresses and ports of the endpoints, once start() has chosen the address block. */
  protected endpoints?: EndpointAllocator;
  /** aurora_replica_status()'s membership on each writer. */
  protected readonly topology: TopologyPublisher;
  /** Clusters whose port is not the one asked for (the port was taken), for `local status`. */
  readonly movedPorts = new Map<string, MovedPort>();
  /** Session ids of the readers in aurora_replica_status(), one per instance for its life. */
  protected readonly sessionIds = new Map<string, string>();
  protected readonly user: RunAsUser | undefined;
  protected readonly clusters = new Map<string, ClusterState>();
  protected readonly instances = new Map<string, InstanceState>();
  /** The engines' drivers: PostgreSQL's always, MySQL's made on first use. */
  protected readonly pg: PgDriver;
  protected readonly mysql: MysqlDriver;
  protected tls?: TlsFiles;
  protected starting?: Promise<void>;
  protected readonly pgBinDir?: string;
  protected readonly credentials: LocalCredentials | undefined;
  protected readonly templateRoot?: string;
  protected readonly snapshots: SnapshotStore;
  /** Performance Insights' samplers, by instance. */
  protected readonly pi: PiCollector;
  /** Capacity, CloudWatch history and auto-pause of the db.serverless instances. */
  readonly serverless: ServerlessScaler;

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
    this.pg = new PgDriver(this.driverContext, () => this.endpoints!, this.ports, this.pgBinDir);
    this.mysql = new MysqlDriver(this.driverContext, () => this.endpoints!, this.ports, (id) => {
      const server = this.instances.get(id)?.server;
      return server?.engine === 'mysql' ? server : undefined;
    }, options.credentials);
    this.pi = new PiCollector({ reporter: this.reporter });
    this.serverless = new ServerlessScaler({
      server: (id) => this.instances.get(id)?.server,
      // PostgreSQL's sessions are the scaler's default; MySQL's come from the processlist.
      sessions: (_id, server) => (server.engine === 'mysql' ? mysqlSessionSource(mysqlSocketConnector(() => (server as MariaServer).socketPath, server.superuser)) : undefined),
      proxiedConnections: (id) => {
        const c = this.clusterOf(id);
        const own = this.instances.get(id)?.instanceProxy?.connectionCount ?? 0;
        return own + (c ? c.writerProxy.connectionsTo(id) + c.readerProxy.connectionsTo(id) : 0);
      },
      hasStandbys: (id) => {
        const c = this.clusterOf(id);
        return c?.writerId === id && c.members.size > 1;
      },
      processesChanged: () => this.record(),
    }, { timeScale: options.timeScale ?? timeScaleFromEnv(), reporter: this.reporter });
    this.topology = new TopologyPublisher({
      clusterIds: () => this.clusters.keys(),
      topologyFor: (id) => this.topologyFor(id),
    }, this.reporter);
  }

  /** Find PostgreSQL, stop leftovers of a crashed run, make the TLS files. Called lazily by every operation. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      this.pg.ready();
      restrictDir(this.baseDir);
      const reaped = await reapLeftovers(this.baseDir);
      if (reaped.length > 0) {
        this.emit('local.leftovers.stopped', 'warn', `Stopped ${reaped.length} PostgreSQL process(es) left by an earlier run`, {
          pids: reaped.map((r) => r.pid),
        });
      }
      const mode = await chooseAddressMode(this.baseDir);
      this.endpoints = new EndpointAllocator(new AddressPool(mode), this.ports, this.reporter);
      if (mode.kind === 'single') {
        this.emit('local.addresses.single', 'warn', `This system routes only ${SINGLE_ADDRESS} to loopback (a bind to another 127.x address failed with EADDRNOTAVAIL): every endpoint shares ${SINGLE_ADDRESS}, each on a port of its own, and a cluster's ReaderEndpoint carries its port as host:port`, {});
      }
      this.tls = await ensureLocalTls(this.tlsDir, {
        certDir: join(this.baseDir, 'server-tls'),
        ...(mode.kind === 'block' ? { blockPrefix: mode.prefix } : {}),
      });
      this.topology.start();
      this.record();
      this.emit('local.ready', 'debug', `Local data plane in ${this.baseDir} (PostgreSQL ${this.pg.binaries.majorVersion})`, {
        baseDir: this.baseDir,
        pgMajorVersion: this.pg.binaries.majorVersion,
      });
    })();
    return this.starting;
  }

  /** The versions the model may offer: those of the engines' programs found here (looked for now if need be). */
  engineVersions(): EngineVersionOffer[] {
    return this.drivers().flatMap((d) => d.engineVersions());
  }

  /** What every driver is lent (TLS files are known once start() ran). */
  private get driverContext() {
    const plane = this;
    return {
      baseDir: this.baseDir,
      user: this.user,
      get tls() {
        return plane.tls;
      },
      reporter: this.reporter,
      ...(this.templateRoot ? { templateRoot: this.templateRoot } : {}),
    };
  }

  protected drivers(): EngineDriver[] {
    return [this.pg as EngineDriver, this.mysql as EngineDriver];
  }

  /** The driver of an engine; throws with a hint where the local target cannot run it. */
  protected driver(engine: EngineName | undefined, rdsEngine: string): EngineDriver {
    const d = this.drivers().find((x) => x.engine === engine);
    if (!d) {
      throw new LocalTargetError(`The local target cannot run engine ${rdsEngine}.`, {
        code: 'LOCAL_ENGINE',
        hint: 'The local target runs aurora-postgresql and postgres (PostgreSQL), aurora-mysql and mysql (MariaDB): pick one of those, or run this lab against AWS.',
      });
    }
    d.ready();
    return d;
  }

  /** PEM of the CA that signed every local server's certificate. */
  get caPem(): string {
    if (!this.tls) throw new LocalTargetError('The local data plane has not started.', { code: 'LOCAL_NOT_STARTED' });
    return this.tls.caPem;
  }

  /** The servers' certificate (for every endpoint address of this plane). */
  get serverCertFile(): string | undefined {
    return this.tls?.certFile;
  }

  get caFile(): string {
    return join(this.tlsDir, 'ca.crt');
  }

  /** The endpoints' address block ("127.A.B.0/24"), or undefined where every endpoint shares 127.0.0.1. */
  get addressBlock(): string | undefined {
    return this.endpoints?.pool.block;
  }

  instanceEndpoint(instanceId: string): Endpoint {
    const { address, port } = this.instance(instanceId).endpoint;
    return { address, port };
  }

  writerOf(clusterId: string): string | undefined {
    return this.cluster(clusterId).writerId;
  }

  /** Pids of the running postgres servers, by instance. */
  serverPids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.instances].map(([id, s]) => [id, s.server.pid]));
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
    await this.topology.close();
    // Data about to be purged needs no shutdown checkpoint.
    const mode = options.purge ? 'immediate' : 'fast';
    await this.serverless.close();
    await Promise.all([...this.instances.values()].map((s) => s.server.stop(mode)));
    for (const c of this.clusters.values()) c.iamFront?.detach(c.writerProxy, c.readerProxy);
    await Promise.all([...this.clusters.values()].flatMap((c) => [c.writerProxy.close(), c.readerProxy.close()]));
    await Promise.all([...this.instances.values()].map((s) => s.instanceProxy?.close()));
    this.instances.clear();
    this.clusters.clear();
    this.sessionIds.clear();
    this.movedPorts.clear();
    rmSync(join(this.baseDir, 'processes.json'), { force: true });
    if (options.purge) rmSync(this.baseDir, { recursive: true, force: true });
    this.starting = undefined;
  }

  /** The PostgreSQL server of an instance (PostgreSQL-only parts: the IAM front, global databases). */
  protected pgServer(id: string): PgServer | undefined {
    const server = this.instances.get(id)?.server;
    return server?.engine === 'postgres' ? server : undefined;
  }

  protected readersOf(cluster: ClusterState): InstanceState[] {
    return readersOf(cluster, (id) => this.instance(id));
  }

  /** Point the cluster's endpoints at its members, and tell aurora_replica_status() about them. */
  protected routeCluster(cluster: ClusterState, options: { dropWriterConnections: boolean }): void {
    // A paused Serverless v2 reader still takes connections: the first one resumes it.
    routeCluster(cluster, (id) => this.instance(id), (r) => r.server.isRunning() || this.serverless.isPaused(r.spec.instanceId), options);
    this.topology.changed(cluster.spec.clusterId);
  }

  /** Where aurora_replica_status()'s entry of a cluster is written: its writer, or its global primary's. */
  protected topologyFor(clusterId: string): TopologyTarget | undefined {
    const cluster = this.clusters.get(clusterId);
    if (!cluster) return undefined;
    let source: ClusterState = cluster;
    if (!cluster.writerId && cluster.spec.globalPrimary) {
      const p = cluster.spec.globalPrimary;
      const primary = [...this.clusters.values()].find((c) => c.spec.clusterId === p.clusterId && c.spec.region === p.region);
      if (!primary) return undefined;
      source = primary;
    }
    const writer = source.writerId ? this.instances.get(source.writerId)?.server : undefined;
    if (!writer?.isRunning() || this.serverless.isPaused(writer.instanceId)) return undefined;
    const followers = [...this.clusters.values()].filter(
      (c) => !c.writerId && c.spec.globalPrimary?.clusterId === source.spec.clusterId && c.spec.globalPrimary.region === source.spec.region,
    );
    const entry = (c: ClusterState): ClusterTopology => ({
      clusterId: c.spec.clusterId,
      ...(c.writerId ? { writerId: c.writerId } : {}),
      members: [...c.members].filter((id) => !c.deleting.has(id)).map((id) => ({ id, session: this.sessionIds.get(id) ?? id })),
    });
    const driver = this.driverOf(writer);
    return { writer, clusters: [source, ...followers].map(entry), write: (w, clusters) => driver.writeTopology(w, clusters) };
  }

  /** Resolves once aurora_replica_status() has been told of every change so far (tests). */
  topologySettled(): Promise<void> {
    return this.topology.settled();
  }

  /** The driver of the engine a server runs. */
  protected driverOf(server: InstanceServer): EngineDriver {
    return this.drivers().find((d) => d.engine === server.engine)!;
  }

  protected clusterOf(instanceId: string): ClusterState | undefined {
    const clusterId = this.instances.get(instanceId)?.spec.clusterId;
    return clusterId ? this.clusters.get(clusterId) : undefined;
  }

  protected cluster(id: string): ClusterState {
    const c = this.clusters.get(id);
    if (!c) throw new LocalTargetError(`No local cluster ${id}.`, { code: 'LOCAL_NOT_FOUND' });
    return c;
  }

  protected instance(id: string): InstanceState {
    const s = this.instances.get(id);
    if (!s) throw new LocalTargetError(`No local instance ${id}.`, { code: 'LOCAL_NOT_FOUND' });
    return s;
  }

  protected record(): void {
    if (!existsSync(this.baseDir)) ensureTraversableDir(this.baseDir);
    const reg: RegistryFile = {
      version: 1,
      ownerPid: process.pid,
      servers: [...this.instances.values()]
        .filter((s) => s.server.pid !== undefined)
        .map((s) => ({ instanceId: s.spec.instanceId, pid: s.server.pid!, host: s.server.host, port: s.server.port, dataDir: s.server.dataDir })),
      proxies: [
        ...[...this.clusters.values()].flatMap((c) => [c.writerProxy, c.readerProxy]),
        ...[...this.instances.values()].flatMap((s) => (s.instanceProxy ? [s.instanceProxy] : [])),
      ].map((p) => ({ name: p.name, host: p.host, port: p.port })),
    };
    writeRegistry(this.baseDir, reg);
  }

  /** What global-replication.ts may touch (its cluster states are this plane's own). */
  protected get globalHost(): GlobalHost {
    return {
      clusters: () => this.clusters.values(),
      cluster: (id) => this.cluster(id),
      server: (id) => this.instance(id).server,
      ops: (server) => this.driverOf(server).replication,
      withClusterLock: (cluster, fn) => withClusterLock(cluster as ClusterState, fn),
      route: (cluster) => this.routeCluster(cluster as ClusterState, { dropWriterConnections: false }),
      reclone: (server, writer) => this.driverOf(server).reclone(server, writer),
      emit: (code, level, message, data) => this.emit(code, level, message, data),
    };
  }

  protected emit(code: string, level: 'debug' | 'info' | 'warn', message: string, data?: unknown): void {
    this.reporter.emit({ code, level, message, data });
  }
}
