/** Shared set-up for the local data plane tests: a private base dir and ports, and verified-TLS clients. */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { MemoryReporter } from '../../src/events.js';
import { LocalDataPlane } from '../../src/local/core/local-data-plane.js';
import { randomBasePort } from '../../src/local/core/ports.js';
import type { ClusterSpec, Endpoint, InstanceSpec } from '../../src/sim/data-plane.js';
import { TEST_CREDENTIALS } from '../helpers/test-credentials.js';

export const PASSWORD = 'lab-Secret-1';

/** One initdb template for every test file (made once, race-safe), instead of initdb per cluster. */
export const TEMPLATE_DIR = join(tmpdir(), 'aurora-lab-test-template');
/** One local CA for every test file, likewise. */
export const TLS_DIR = join(tmpdir(), 'aurora-lab-test-tls-v2');

export function tempBaseDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'alab-plane-'));
  chmodSync(dir, 0o755);
  return dir;
}

export function newPlane(baseDir = tempBaseDir()): { plane: LocalDataPlane; reporter: MemoryReporter; baseDir: string } {
  const reporter = new MemoryReporter();
  return { plane: new LocalDataPlane({ baseDir, reporter, basePort: randomBasePort(), templateDir: TEMPLATE_DIR, tlsDir: TLS_DIR, credentials: TEST_CREDENTIALS }), reporter, baseDir };
}

export function clusterSpec(clusterId: string, extra: Partial<ClusterSpec> = {}): ClusterSpec {
  return {
    clusterId,
    region: 'us-east-1',
    engine: 'aurora-postgresql',
    engineVersion: '15.4',
    masterUsername: 'labadmin',
    masterPassword: PASSWORD,
    databaseName: 'labdb',
    iamAuth: false,
    performanceInsights: false,
    ...extra,
  };
}

export function instanceSpec(instanceId: string, clusterId: string, role: 'writer' | 'reader', tier = 1, extra: Partial<InstanceSpec> = {}): InstanceSpec {
  return {
    instanceId,
    clusterId,
    role,
    region: 'us-east-1',
    engine: 'aurora-postgresql',
    instanceClass: 'db.r6g.large',
    promotionTier: tier,
    resourceId: `db-${instanceId.toUpperCase().replace(/[^A-Z0-9]/g, '')}`,
    performanceInsights: false,
    ...extra,
  };
}

/** A client that verifies the server certificate against the local CA. */
export async function connect(
  plane: LocalDataPlane,
  endpoint: Endpoint,
  options: { password?: string; user?: string } = {},
): Promise<pg.Client> {
  const client = new pg.Client({
    host: endpoint.address,
    port: endpoint.port,
    user: options.user ?? 'labadmin',
    password: options.password ?? PASSWORD,
    database: 'labdb',
    ssl: { ca: plane.caPem },
    connectionTimeoutMillis: 5000,
  });
  client.on('error', () => {});
  await client.connect();
  return client;
}

export async function queryOne<T = Record<string, unknown>>(
  plane: LocalDataPlane,
  endpoint: Endpoint,
  sql: string,
  params: unknown[] = [],
): Promise<T> {
  const c = await connect(plane, endpoint);
  try {
    return (await c.query(sql, params)).rows[0] as T;
  } finally {
    await c.end();
  }
}

/** Poll until fn returns a truthy value (replication is asynchronous). */
export async function eventually<T>(fn: () => Promise<T>, timeoutMs = 5000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = new Error(`condition still false: ${JSON.stringify(v)}`);
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw last;
    await new Promise((r) => setTimeout(r, 25));
  }
}
