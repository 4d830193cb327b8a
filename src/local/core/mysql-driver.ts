/**
 * The MySQL driver of the local data plane (see engine-driver.ts), MariaDB standing in for Aurora
 * MySQL and RDS for MySQL. Unlike PostgreSQL, a MariaDB server does not listen on its instance
 * endpoint itself: it listens on a private 127.0.0.1 port, and the instance endpoint, like the cluster
 * and reader endpoints, is a proxy whose handler is the cluster's MySQL front (mysql-front.ts), which
 * answers what clients ask Aurora MySQL (@@aurora_server_id, replica_host_status, IAM logins). A
 * standalone instance (RDS for MySQL) gets a plain proxy: RDS for MySQL has none of that.
 */
import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import type { EngineVersionOffer } from '../../sim/data-plane.js';
import type { EndpointAllocator } from '../endpoints/endpoint-allocator.js';
import { TcpProxy } from '../endpoints/tcp-proxy.js';
import { mysqlEngineVersions } from '../engines/mysql/engine-versions.js';
import { findMariaBinaries, type MariaBinaries } from '../engines/mysql/maria-binaries.js';
import { catchUp, cloneReplica, fenceWriter, follow, promote, rejoinAsReplica, replicaLagMs, waitReplicating } from '../engines/mysql/maria-replication.js';
import { MariaServer } from '../engines/mysql/maria-server.js';
import { ensureDatabase, ensureMasterUser } from '../engines/mysql/maria-setup.js';
import { backupTo, resetAsNewPrimary } from '../engines/mysql/maria-snapshot.js';
import { ensureMariaTemplate } from '../engines/mysql/maria-template.js';
import { installAuroraSchema, writeTopology } from '../engines/mysql/mysql-topology.js';
import type { ReplicationOps } from '../engines/replication-ops.js';
import type { ClusterTopology } from '../topology/topology-publisher.js';
import { targetOf } from './cluster-state.js';
import type { BuildRequest, Built, DriverContext, EngineDriver } from './engine-driver.js';
import type { PortAllocator } from './ports.js';

/** MySQL's port, what a cluster asks for unless its request names another. */
export const DEFAULT_MYSQL_PORT = 3306;

export class MysqlDriver implements EngineDriver<MariaServer> {
  readonly engine = 'mysql' as const;
  readonly defaultPort = DEFAULT_MYSQL_PORT;
  private found?: MariaBinaries;
  /** server_id is part of every GTID: unique per instance, and unlike any an older snapshot carries. */
  private nextServerId = randomInt(1, 1_000_000) * 1000;
  /** IAM users' internal passwords are derived from this (mysql-iam.ts); never shown. */
  readonly iamSecret: Buffer;

  readonly replication: ReplicationOps<MariaServer> = {
    fence: (oldWriter) => fenceWriter(oldWriter),
    promote: (newWriter, upTo) => promote(newWriter, upTo),
    follow: (reader, newWriter) => follow(reader, newWriter),
    rejoin: async (oldWriter, newWriter, wasRunning) => {
      if (!wasRunning) await oldWriter.start();
      return rejoinAsReplica(oldWriter, newWriter);
    },
    // Fencing already ends every client session and reads the final position.
    quiesce: (writer) => fenceWriter(writer),
    applied: (replica, position) =>
      replica.admin(async (c) => {
        const [rows] = (await c.query('SELECT MASTER_GTID_WAIT(?, 0) AS w', [position])) as unknown as [{ w: number }[]];
        return Number(rows[0]?.w) === 0;
      }).catch(() => false),
    lag: async (_writer, replica) => {
      const ms = await replicaLagMs(replica).catch(() => undefined);
      return { bytes: Number.NaN, replayAgeMs: ms ?? null };
    },
    followAndWait: async (replica, writer) => {
      await follow(replica, writer).catch(() => undefined);
      return waitReplicating(replica, 3000);
    },
  };

  constructor(
    private readonly ctx: DriverContext,
    private readonly endpoints: () => EndpointAllocator,
    private readonly ports: PortAllocator,
    /** The running server of an instance, for the readers' lag in the topology. */
    private readonly serverOf: (instanceId: string) => MariaServer | undefined,
    credentials?: { secretAccessKey: string },
    private readonly binDir?: string,
  ) {
    this.iamSecret = credentials
      ? createHmac('sha256', credentials.secretAccessKey).update('aurora-lab mysql iam users').digest()
      : randomBytes(32);
  }

  get binaries(): MariaBinaries {
    return (this.found ??= findMariaBinaries(this.binDir ? { binDir: this.binDir } : {}));
  }

  ready(): void {
    void this.binaries;
  }

  engineVersions(): EngineVersionOffer[] {
    try {
      return mysqlEngineVersions(this.binaries);
    } catch {
      // No MariaDB here: the local target offers no MySQL version, and says why when one is asked for.
      return [];
    }
  }

  async build(req: BuildRequest): Promise<Built> {
    const endpoint = await this.endpoints().instance(req.clusterPort, req.wantedPort);
    const proxy = new TcpProxy(`${req.spec.instanceId}/instance`);
    try {
      const server = await this.launch(req);
      await proxy.listen(endpoint.address, endpoint.port);
      proxy.setTargets([targetOf(server)]);
      // The stopped dir a primary's data was copied from: with its binlog, its point-in-time base backup.
      const startedFrom = req.source.kind === 'snapshot' ? req.source.dataDir : req.source.kind === 'new' ? server.dataOrigin : undefined;
      return { server, endpoint, instanceProxy: proxy, ...(startedFrom ? { startedFrom } : {}) };
    } catch (err) {
      await proxy.close().catch(() => undefined);
      this.endpoints().release(endpoint);
      throw err;
    }
  }

  /**
   * The server on a private port, its data prepared, started. Another program (another local server
   * on this machine) may bind the port between the allocator's check and mariadbd's bind: then the
   * next port, twice at most.
   */
  private async launch(req: BuildRequest): Promise<MariaServer> {
    for (let attempt = 0; ; attempt++) {
      const port = await this.ports.allocate(['127.0.0.1']);
      const server = new MariaServer({
        instanceId: req.spec.instanceId,
        ...(req.spec.clusterId ? { clusterId: req.spec.clusterId } : {}),
        dir: join(this.ctx.baseDir, 'instances', req.spec.instanceId),
        host: '127.0.0.1',
        port,
        serverId: this.nextServerId++,
        binaries: this.binaries,
        user: this.ctx.user,
        ...(this.ctx.tls ? { tls: this.ctx.tls } : {}),
        reporter: this.ctx.reporter,
      });
      try {
        await this.prepare(server, req);
        await server.start();
        if (req.source.kind === 'replica') await catchUp(server, req.source.writer as MariaServer);
        if (req.source.kind === 'snapshot') await resetAsNewPrimary(server);
        return server;
      } catch (err) {
        await server.stop('immediate').catch(() => undefined);
        this.ports.release(port);
        const taken = server.logTail().some((l) => /Address already in use|Can't start server: Bind/i.test(l));
        if (!taken || attempt >= 2) throw err;
        this.ctx.reporter.emit({ code: 'local.port.taken', level: 'debug', message: `Port ${port} was taken before ${req.spec.instanceId} could bind it: trying another`, data: { port } });
      }
    }
  }

  private async prepare(server: MariaServer, req: BuildRequest): Promise<void> {
    const { source } = req;
    if (source.kind === 'replica') {
      await cloneReplica(server, source.writer as MariaServer);
    } else if (source.kind === 'snapshot') {
      await server.copyDataFrom(source.dataDir);
    } else if (this.ctx.templateRoot) {
      await server.copyDataFrom(await ensureMariaTemplate(this.ctx.templateRoot, this.binaries, this.ctx.user));
    } else {
      await server.initialize();
    }
  }

  async setUpPrimary(server: MariaServer, req: BuildRequest & { masterUsername: string; masterPassword: string }): Promise<void> {
    await ensureMasterUser(server, req.masterUsername, req.masterPassword);
    const database = req.cluster?.databaseName ?? req.spec.databaseName;
    if (database) await ensureDatabase(server, database);
    if (req.spec.clusterId) await installAuroraSchema((fn) => server.admin(fn));
  }

  async snapshot(server: MariaServer, dataDir: string): Promise<void> {
    await backupTo(server, dataDir);
  }

  async reclone(server: MariaServer, writer: MariaServer): Promise<void> {
    await server.stop('fast');
    await cloneReplica(server, writer);
    await server.start();
    await catchUp(server, writer);
  }

  /** The private port goes back with the instance. */
  released(server: MariaServer): void {
    this.ports.release(server.port);
  }

  async writeTopology(writer: MariaServer, clusters: ClusterTopology[]): Promise<boolean> {
    let unseen = false;
    const measured = await Promise.all(clusters.map(async (cl) => ({
      ...cl,
      members: await Promise.all(cl.members.map(async (m) => {
        if (m.id === cl.writerId) return m;
        const reader = this.serverOf(m.id);
        const lagMs = reader?.isRunning() ? await replicaLagMs(reader).catch(() => undefined) : undefined;
        if (lagMs === undefined) unseen = true;
        return lagMs === undefined ? m : { ...m, lagMs };
      })),
    })));
    await writeTopology((fn) => writer.admin(fn), measured);
    return unseen;
  }
}
