/**
 * The PostgreSQL driver of the local data plane (see engine-driver.ts): each instance is a postgres
 * process listening on its instance endpoint itself; a replica is a base backup of the writer streaming
 * from it; a new primary is a copy of the initdb template (or initdb itself), and a snapshot is a base
 * backup without recovery settings.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineVersionOffer } from '../../sim/data-plane.js';
import type { EndpointAllocator } from '../endpoints/endpoint-allocator.js';
import { installAuroraFunctions } from '../engines/postgres/aurora-functions.js';
import { ensureDataTemplate, TEMPLATE_SUPERUSER } from '../engines/postgres/data-template.js';
import { localEngineVersions } from '../engines/postgres/engine-versions.js';
import { ensureIamSupport } from '../engines/postgres/iam-setup.js';
import { ensureDatabase } from '../engines/postgres/instance-setup.js';
import { findPgBinaries, type PgBinaries } from '../engines/postgres/pg-binaries.js';
import { pgReplicationOps } from '../engines/postgres/pg-replication.js';
import { baseBackup, type PgServer } from '../engines/postgres/pg-server.js';
import { writePgTopology } from '../engines/postgres/pg-topology.js';
import type { BuildRequest, Built, DriverContext, EngineDriver } from './engine-driver.js';
import { ensureMasterUser, launchInstance } from './instance-launch.js';
import type { PortAllocator } from './ports.js';

/** PostgreSQL's port, what a cluster asks for unless its request names another. */
export const DEFAULT_PG_PORT = 5432;

export class PgDriver implements EngineDriver<PgServer> {
  readonly engine = 'postgres' as const;
  readonly defaultPort = DEFAULT_PG_PORT;
  private found?: PgBinaries;
  readonly replication = pgReplicationOps((server, writer) => this.reclone(server, writer));

  constructor(
    private readonly ctx: DriverContext,
    private readonly endpoints: () => EndpointAllocator,
    private readonly ports: PortAllocator,
    private readonly binDir?: string,
  ) {}

  get binaries(): PgBinaries {
    return (this.found ??= findPgBinaries({ binDir: this.binDir }));
  }

  ready(): void {
    void this.binaries;
  }

  engineVersions(): EngineVersionOffer[] {
    return localEngineVersions(this.binaries);
  }

  /** The initdb template's data dir (made on first use), or undefined when this plane keeps none. */
  private async template(): Promise<string | undefined> {
    const root = this.ctx.templateRoot;
    return root ? ensureDataTemplate(root, this.binaries, this.ctx.user, this.ports, this.ctx.reporter) : undefined;
  }

  async build(req: BuildRequest): Promise<Built> {
    const { source } = req;
    const template = source.kind === 'new' ? await this.template() : undefined;
    const superuser = source.kind === 'replica' ? source.writer.superuser
      : source.kind === 'snapshot' ? source.superuser
        : template ? TEMPLATE_SUPERUSER : source.masterUsername;
    const launched = await launchInstance(this.endpoints(), {
      instanceId: req.spec.instanceId,
      ...(req.spec.clusterId ? { clusterId: req.spec.clusterId } : {}),
      baseDir: this.ctx.baseDir,
      superuser,
      ...(req.clusterPort !== undefined ? { clusterPort: req.clusterPort } : {}),
      wantedPort: req.wantedPort,
      binaries: this.binaries,
      user: this.ctx.user,
      tls: this.ctx.tls,
      reporter: this.ctx.reporter,
    }, async (s) => {
      if (source.kind === 'replica') {
        await s.cloneFrom(source.writer as PgServer, { standby: true });
      } else if (source.kind === 'snapshot' || template) {
        await s.copyDataFrom(source.kind === 'snapshot' ? source.dataDir : template!);
        // A restored cluster is a new primary: nothing may stream from the snapshot's source.
        rmSync(join(s.dataDir, 'standby.signal'), { force: true });
      } else {
        await s.initdb(source.masterPassword);
      }
    });
    const startedFrom = source.kind === 'snapshot' ? source.dataDir : template;
    return { server: launched.server, endpoint: launched.endpoint, ...(startedFrom ? { startedFrom } : {}) };
  }

  async setUpPrimary(server: PgServer, req: BuildRequest & { masterUsername: string; masterPassword: string }): Promise<void> {
    const fromTemplate = req.source.kind === 'new' && server.superuser === TEMPLATE_SUPERUSER;
    if (fromTemplate || req.source.kind === 'snapshot') await ensureMasterUser(server, req.masterUsername, req.masterPassword);
    // A template has them already; a snapshot of an older local cluster may not.
    if (!fromTemplate) await installAuroraFunctions(server);
    await ensureDatabase(server, req.cluster?.databaseName ?? req.spec.databaseName, req.masterUsername);
    await ensureIamSupport(server, this.ctx.user);
  }

  snapshot(server: PgServer, dataDir: string): Promise<void> {
    return baseBackup(this.binaries, this.ctx.user, server, dataDir, { writeRecoveryConf: false });
  }

  async reclone(server: PgServer, writer: PgServer): Promise<void> {
    await server.cloneFrom(writer, { standby: true });
    await server.start();
  }

  writeTopology = writePgTopology;
}
