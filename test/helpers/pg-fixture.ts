/**
 * A throwaway PostgreSQL for tests: one real server (a standalone instance of the local data plane)
 * on a free 127.0.0.1 port with scram password auth, run as an unprivileged user when we are root.
 * The server always speaks TLS (signed by a local CA); with `tls` the CA's PEM is returned so the
 * client can verify it. Always call stop() (afterAll / finally): it stops the server and removes its files.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDataPlane } from '../../src/local/core/local-data-plane.js';
import { randomBasePort } from '../../src/local/core/ports.js';

export interface TestPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** PEM of the CA that signed the server certificate (only with tls). */
  ca?: string;
  stop(): Promise<void>;
}

/** Shared by every test process: the initdb result new servers copy (made once, race-safe). */
const TEMPLATE_DIR = join(tmpdir(), 'aurora-lab-test-template');
const TLS_DIR = join(tmpdir(), 'aurora-lab-test-tls-v2');

export async function startTestPostgres(options: { tls?: boolean } = {}): Promise<TestPostgres> {
  const baseDir = mkdtempSync(join(tmpdir(), 'alab-fx-'));
  // mkdtemp makes 0700; the server user must be able to pass through it.
  chmodSync(baseDir, 0o755);
  const plane = new LocalDataPlane({ baseDir, basePort: randomBasePort(), templateDir: TEMPLATE_DIR, tlsDir: TLS_DIR });
  const user = 'lab_admin';
  const password = randomBytes(12).toString('base64url');
  const database = 'labdb';
  const stop = () => plane.shutdown({ purge: true });
  try {
    const { endpoint } = await plane.createInstance({
      instanceId: 'test-postgres',
      region: 'us-east-1',
      engine: 'postgres',
      instanceClass: 'db.t4g.micro',
      role: 'writer',
      promotionTier: 1,
      resourceId: 'db-TESTPOSTGRES',
      performanceInsights: false,
      masterUsername: user,
      masterPassword: password,
      databaseName: database,
    });
    return {
      host: endpoint.address,
      port: endpoint.port,
      user,
      password,
      database,
      ca: options.tls ? plane.caPem : undefined,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
