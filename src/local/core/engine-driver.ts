/**
 * What the engine-neutral data plane (local-data-plane.ts) asks of an engine when it builds, copies
 * and moves instances: core/pg-driver.ts for aurora-postgresql and postgres, core/mysql-driver.ts for
 * aurora-mysql and mysql. The plane keeps the clusters, endpoints, locks, membership and the order of
 * things; a driver knows how its engine's server is made, set up, copied and fenced.
 */
import type { Reporter } from '../../events.js';
import type { ClusterSpec, EngineVersionOffer, InstanceSpec } from '../../sim/data-plane.js';
import type { Reservation } from '../endpoints/endpoint-allocator.js';
import type { TcpProxy } from '../endpoints/tcp-proxy.js';
import type { TlsFiles } from '../endpoints/tls.js';
import type { EngineName, InstanceServer } from '../engines/instance-server.js';
import type { ReplicationOps } from '../engines/replication-ops.js';
import type { ClusterTopology } from '../topology/topology-publisher.js';
import type { RunAsUser } from './os-user.js';

/** Where a new instance's data comes from. */
export type DataSource =
  | { kind: 'replica'; writer: InstanceServer }
  | { kind: 'snapshot'; dataDir: string; superuser: string }
  | { kind: 'new'; masterUsername: string; masterPassword: string };

export interface BuildRequest {
  spec: InstanceSpec;
  cluster?: ClusterSpec;
  source: DataSource;
  /** The cluster's port (every instance of a cluster listens on it), or undefined for a standalone instance. */
  clusterPort?: number;
  wantedPort: number;
}

export interface Built {
  server: InstanceServer;
  /** The instance endpoint, as handed out. */
  endpoint: Reservation;
  /** MySQL: the instance endpoint is a proxy (with the front) in front of the server's own port. */
  instanceProxy?: TcpProxy;
  /** The stopped data directory the server's data was copied from (a template or snapshot), if any. */
  startedFrom?: string;
}

/** What the plane lends a driver. */
export interface DriverContext {
  baseDir: string;
  user: RunAsUser | undefined;
  tls: TlsFiles | undefined;
  reporter: Reporter;
  /** Where templates are kept (undefined: none, make every data dir afresh). */
  templateRoot?: string;
}

export interface EngineDriver<S extends InstanceServer = InstanceServer> {
  readonly engine: EngineName;
  /** The port a cluster or instance gets unless the request names one. */
  readonly defaultPort: number;
  /** Find the engine's programs (throws with a hint naming the package when they are missing). */
  ready(): void;
  /** The versions the local target runs for this engine, [] when its programs are missing. */
  engineVersions(): EngineVersionOffer[];
  /** Make, prepare and start the server of a new instance on an endpoint of its own. */
  build(req: BuildRequest): Promise<Built>;
  /** A new primary (not a replica): master user and password, database, Aurora's functions. */
  setUpPrimary(server: S, req: BuildRequest & { masterUsername: string; masterPassword: string }): Promise<void>;
  /** Copy a consistent data directory of a running server (a DB or cluster snapshot). */
  snapshot(server: S, dataDir: string): Promise<void>;
  /** Copy the writer afresh into a stopped instance and start it as a replica. */
  reclone(server: S, writer: S): Promise<void>;
  replication: ReplicationOps<S>;
  /** Write a cluster's membership where its Aurora topology views read it. */
  writeTopology(writer: S, clusters: ClusterTopology[]): Promise<boolean>;
}
