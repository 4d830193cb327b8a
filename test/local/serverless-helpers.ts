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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { LOCAL_CREDENTIALS } from '../../src/engine/targets/local.js';
import { randomBasePort } from '../../src/local/ports.js';
import { startDaemon, type RunningDaemon } from '../../src/local/server-daemon.js';
import type { Endpoint } from '../../src/sim/data-plane.js';
import { PASSWORD, TEMPLATE_DIR, TLS_DIR, tempBaseDir } from './local-plane-helpers.js';

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
  const controlDir = mkdtempSync(join(tmpdir(), 'alab-serverless-'));
  const daemon = await startDaemon({
    controlDir,
    port: 0,
    delayMs: 20,
    dataPlane: { baseDir: tempBaseDir(), basePort: randomBasePort(), templateDir: TEMPLATE_DIR, tlsDir: TLS_DIR, timeScale },
  });
  const config = { region: REGION, endpoint: daemon.info.url, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 };
  const rds = new RDSClient(config);
  const cloudwatch = new CloudWatchClient(config);
  return {
    daemon,
    rds,
    cloudwatch,
    controlDir,
    async close() {
      rds.destroy();
      cloudwatch.destroy();
      await daemon.stop();
      rmSync(daemon.dataPlane.baseDir, { recursive: true, force: true });
      rmSync(controlDir, { recursive: true, force: true });
    },
  };
}

const waiter = (client: RDSClient) => ({ client, maxWaitTime: 60, minDelay: 0.05, maxDelay: 0.2 });

/** A cluster with a Serverless v2 range and one db.serverless writer; returns its cluster endpoint. */
export async function createServerlessCluster(
  env: ServerlessEnv,
  id: string,
  scaling: { MinCapacity: number; MaxCapacity: number; SecondsUntilAutoPause?: number },
): Promise<Endpoint> {
  const out = await env.rds.send(new CreateDBClusterCommand({
    DBClusterIdentifier: id,
    Engine: 'aurora-postgresql',
    EngineVersion: '16.6',
    MasterUsername: 'labadmin',
    MasterUserPassword: PASSWORD,
    DatabaseName: 'labdb',
    ServerlessV2ScalingConfiguration: scaling,
  }));
  await env.rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: `${id}-0`, DBClusterIdentifier: id, Engine: 'aurora-postgresql', DBInstanceClass: 'db.serverless' }));
  await waitUntilDBInstanceAvailable(waiter(env.rds), { DBInstanceIdentifier: `${id}-0` });
  return { address: out.DBCluster!.Endpoint!, port: out.DBCluster!.Port! };
}

export async function dropServerlessCluster(env: ServerlessEnv, id: string): Promise<void> {
  await env.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: `${id}-0` })).catch(() => undefined);
  await waitUntilDBInstanceDeleted(waiter(env.rds), { DBInstanceIdentifier: `${id}-0` }).catch(() => undefined);
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
