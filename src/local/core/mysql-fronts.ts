/**
 * Every endpoint of an Aurora MySQL cluster (cluster, reader, and each instance's) is served by one
 * MySQL front per cluster (engines/mysql/mysql-front.ts): it knows which instance a connection was
 * routed to and whether that instance is the writer, and checks IAM tokens while the cluster has IAM
 * authentication on.
 */
import type { Reporter } from '../../events.js';
import type { TlsFiles } from '../endpoints/tls.js';
import { MysqlFront } from '../engines/mysql/mysql-front.js';
import type { ClusterState, InstanceState } from './cluster-state.js';

export interface FrontDeps {
  tls: TlsFiles;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  secret: Buffer;
  instance(id: string): InstanceState | undefined;
  reporter: Reporter;
}

/**
 * What @@aurora_version answers: "3.08.2" for "8.0.mysql_aurora.3.08.2". Aurora MySQL 8.4's versions
 * ("8.4.7") carry no separate Aurora number in the API; the engine version itself is answered.
 */
export function auroraVersionOf(engineVersion: string): string {
  return /mysql_aurora\.(.+)$/.exec(engineVersion)?.[1] ?? engineVersion;
}

/** Give a new Aurora MySQL cluster its front, on its cluster and reader endpoints. */
export function openMysqlFront(cluster: ClusterState, deps: FrontDeps): MysqlFront {
  const front = new MysqlFront({
    clusterId: cluster.spec.clusterId,
    region: cluster.spec.region,
    tls: deps.tls,
    ...(deps.credentials ? { credentials: deps.credentials } : {}),
    iamAuth: () => cluster.spec.iamAuth,
    secret: deps.secret,
    auroraVersion: auroraVersionOf(cluster.spec.engineVersion),
    instance: (id) => {
      const state = deps.instance(id);
      if (!state) return undefined;
      return { host: state.server.host, port: state.server.port, role: cluster.writerId === id ? 'writer' : 'reader' };
    },
    reporter: deps.reporter,
  });
  front.attach(cluster.writerProxy, cluster.readerProxy);
  cluster.mysqlFront = front;
  return front;
}
