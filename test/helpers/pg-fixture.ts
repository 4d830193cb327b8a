/**
 * A throwaway PostgreSQL for tests: one real server on a free 127.0.0.1 port with scram password auth
 * (and TLS signed by a fresh local CA when asked), run as an unprivileged user when we are root.
 * Always call stop() (afterAll / finally): it stops the server and removes its directory.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDatabase, installIdentifierFunction } from '../../src/local/instance-setup.js';
import { findPgBinaries } from '../../src/local/pg-binaries.js';
import { PgServer } from '../../src/local/pg-server.js';
import { PortAllocator, randomBasePort } from '../../src/local/ports.js';
import { serverUser } from '../../src/local/os-user.js';
import { ensureLocalTls } from '../../src/local/tls.js';

export interface TestPostgres {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  database: string;
  /** PEM of the CA that signed the server certificate (only with tls). */
  ca?: string;
  stop(): Promise<void>;
}

export async function startTestPostgres(options: { tls?: boolean } = {}): Promise<TestPostgres> {
  const base = mkdtempSync(join(tmpdir(), 'alab-'));
  // mkdtemp makes 0700; the server user must be able to pass through it.
  chmodSync(base, 0o755);
  const user = 'lab_admin';
  const password = randomBytes(12).toString('base64url');
  const database = 'labdb';
  let server: PgServer | undefined;
  const cleanup = async () => {
    await server?.stop('fast');
    rmSync(base, { recursive: true, force: true });
  };
  try {
    const tls = options.tls ? await ensureLocalTls(join(base, 'tls')) : undefined;
    const ports = new PortAllocator(randomBasePort());
    // Another worker may take the port between our check and postgres's bind: retry on a new one.
    for (let attempt = 0; ; attempt++) {
      server = new PgServer({
        instanceId: 'test-postgres',
        dir: join(base, 'pg'),
        port: await ports.allocate(),
        binaries: findPgBinaries(),
        user: serverUser(),
        superuser: user,
        tls,
      });
      await server.initdb(password);
      try {
        await server.start();
        break;
      } catch (err) {
        if (attempt >= 2) throw err;
      }
    }
    await installIdentifierFunction(server);
    await ensureDatabase(server, database);
    const port = server.port;
    return { host: '127.0.0.1', port, user, password, database, ca: tls?.caPem, stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
