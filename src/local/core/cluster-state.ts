/**
 * What the local data plane keeps per cluster and instance, and how a cluster's endpoint proxies are
 * pointed at its instances: the cluster endpoint at the writer, the reader endpoint at the readers
 * (the writer when there are none).
 */
import type { InstanceSpec } from '../../sim/data-plane.js';
import type { Reservation } from '../endpoints/endpoint-allocator.js';
import { secondaryWriterTargets, type GlobalClusterState } from '../topology/global-replication.js';
import type { IamFront } from '../engines/postgres/iam-front.js';
import type { MysqlFront } from '../engines/mysql/mysql-front.js';
import type { InstanceServer } from '../engines/instance-server.js';
import type { LocalServer } from './local-server.js';
import type { ProxyTarget, TcpProxy } from '../endpoints/tcp-proxy.js';

/** A cluster: its spec, endpoint proxies, writer, members and the members being deleted. */
export interface ClusterState extends GlobalClusterState {
  /** Changes of the cluster's shape (who is the writer, who is a member) run one at a time on this. */
  lock: Promise<unknown>;
  /** PostgreSQL: the endpoints' authenticating front, made the first time IAM authentication is turned on. */
  iamFront?: IamFront;
  /** MySQL: the front on every endpoint of the cluster (mysql-fronts.ts). */
  mysqlFront?: MysqlFront;
}

export interface InstanceState {
  spec: InstanceSpec;
  server: LocalServer;
  /** MySQL: the instance endpoint's own proxy (the front's), in front of the server's port. */
  instanceProxy?: TcpProxy;
  /** The instance endpoint's address and port, as handed out. */
  endpoint: Reservation;
  /** The master user whose password the control plane manages. */
  masterUsername: string;
}

/** Run `fn` after every earlier locked change of the cluster has settled. */
export function withClusterLock<T>(cluster: ClusterState, fn: () => Promise<T>): Promise<T> {
  const run = cluster.lock.then(fn);
  cluster.lock = run.catch(() => undefined);
  return run;
}

export function targetOf(server: InstanceServer): ProxyTarget {
  return { id: server.instanceId, host: server.host, port: server.port };
}

const key = (targets: ProxyTarget[]) => targets.map((t) => `${t.id}@${t.host}:${t.port}`).join();

/**
 * Point the proxies at the cluster's current members. `usable` says whether a reader may take new
 * connections (running, or paused Serverless v2 whose first connection resumes it).
 */
export function routeCluster(
  cluster: ClusterState,
  instance: (id: string) => InstanceState,
  usable: (reader: InstanceState) => boolean,
  options: { dropWriterConnections: boolean },
): void {
  const writer = cluster.writerId ? instance(cluster.writerId).server : undefined;
  const readers = readersOf(cluster, instance).filter(usable).map((r) => targetOf(r.server));
  const writerTargets = writer ? [targetOf(writer)] : (secondaryWriterTargets(cluster, readers) ?? []);
  if (key(cluster.writerProxy.getTargets()) !== key(writerTargets)) {
    cluster.writerProxy.setTargets(writerTargets, { dropExisting: options.dropWriterConnections });
  }
  cluster.readerProxy.setTargets(readers.length > 0 ? readers : writerTargets);
}

export function readersOf(cluster: ClusterState, instance: (id: string) => InstanceState): InstanceState[] {
  return [...cluster.members].filter((id) => id !== cluster.writerId).map(instance);
}
