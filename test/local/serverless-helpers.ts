/** A local server for the Serverless v2 tests, reached through the real RDS and CloudWatch clients. */
import { CloudWatchClient, GetMetricStatisticsCommand, type Datapoint } from '@aws-sdk/client-cloudwatch';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  RDSClient,
  waitUntilDBInstanceAvailable,
  waitUntilDBInstanceDeleted,
} from '@aws-sdk/client-rds';
import pg from 'pg';
import type { RunningDaemon } from '../../src/local/daemon/server-daemon.js';
import type { Endpoint } from '../../src/sim/data-plane.js';
import { sdkWaiter, startLocalDaemon } from './daemon-fixture.js';
import { PASSWORD } from './local-plane-helpers.js';

export const REGION = 'us-east-1';

export interface ServerlessEnv {
  daemon: RunningDaemon;
  rds: RDSClient;
  cloudwatch: CloudWatchClient;
  /** Where server.log is. */
  controlDir: string;
  close(): Promise<void>;
}

export async function startServerlessEnv(timeScale: number): Promise<ServerlessEnv> {
  const local = await startLocalDaemon('serverless', { timeScale });
  return {
    daemon: local.daemon,
    rds: local.client(RDSClient, REGION),
    cloudwatch: local.client(CloudWatchClient, REGION),
    controlDir: local.controlDir,
    close: () => local.close(),
  };
}

/**
 * A local server with one Serverless v2 cluster `id` (see createServerlessCluster) for a test file;
 * if the cluster cannot be made, the server is closed again before the error is thrown.
 */
export async function startServerlessCluster(
  timeScale: number,
  id: string,
  scaling: { MinCapacity: number; MaxCapacity: number; SecondsUntilAutoPause?: number },
): Promise<{ env: ServerlessEnv; endpoint: Endpoint }> {
  const env = await startServerlessEnv(timeScale);
  try {
    return { env, endpoint: await createServerlessCluster(env, id, scaling) };
  } catch (err) {
    await closeServerlessCluster(env, id);
    throw err;
  }
}

/** Delete the cluster of startServerlessCluster, then stop the server; nothing to do when it never started. */
export async function closeServerlessCluster(env: ServerlessEnv | undefined, id: string): Promise<void> {
  if (!env) return;
  await dropServerlessCluster(env, id);
  await env.close();
}

/** A cluster with a Serverless v2 range and one db.serverless writer; returns its cluster endpoint. */
export async function createServerlessCluster(
  env: ServerlessEnv,
  id: string,
  scaling: { MinCapacity: number; MaxCapacity: number; SecondsUntilAutoPause?: number },
): Promise<Endpoint> {
  const out = await env.rds.send(new CreateDBClusterCommand({
    DBClusterIdentifier: id,
    Engine: 'aurora-postgresql',
    MasterUsername: 'labadmin',
    MasterUserPassword: PASSWORD,
    DatabaseName: 'labdb',
    ServerlessV2ScalingConfiguration: scaling,
  }));
  await env.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: `${id}-0`, DBClusterIdentifier: id, Engine: 'aurora-postgresql', DBInstanceClass: 'db.serverless' }));
  await waitUntilDBInstanceAvailable(sdkWaiter(env.rds), { DBInstanceIdentifier: `${id}-0` });
  return { address: out.DBCluster!.Endpoint!, port: out.DBCluster!.Port! };
}

export async function dropServerlessCluster(env: ServerlessEnv, id: string): Promise<void> {
  await env.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: `${id}-0` })).catch(() => undefined);
  await waitUntilDBInstanceDeleted(sdkWaiter(env.rds), { DBInstanceIdentifier: `${id}-0` }).catch(() => undefined);
  await env.rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true })).catch(() => undefined);
}

/** A client through an endpoint; the local CA verifies the server. */
export async function connectTo(env: ServerlessEnv, endpoint: Endpoint, connectTimeoutMs = 10_000): Promise<pg.Client> {
  const client = new pg.Client({
    host: endpoint.address,
    port: endpoint.port,
    user: 'labadmin',
    password: PASSWORD,
    database: 'labdb',
    ssl: { ca: env.daemon.dataPlane.caPem },
    connectionTimeoutMillis: connectTimeoutMs,
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Datapoints of the last few minutes, oldest first, with every statistic. */
export async function capacityPoints(
  env: ServerlessEnv,
  metric: 'ServerlessDatabaseCapacity' | 'ACUUtilization',
  dimension: { Name: 'DBClusterIdentifier' | 'DBInstanceIdentifier'; Value: string },
  periodSeconds = 1,
): Promise<Datapoint[]> {
  const out = await env.cloudwatch.send(new GetMetricStatisticsCommand({
    Namespace: 'AWS/RDS',
    MetricName: metric,
    Dimensions: [dimension],
    StartTime: new Date(Date.now() - 600_000),
    EndTime: new Date(Date.now() + 60_000),
    Period: periodSeconds,
    Statistics: ['Maximum', 'Minimum', 'Average', 'Sum', 'SampleCount'],
  }));
  return [...(out.Datapoints ?? [])].sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
}

export async function until<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
