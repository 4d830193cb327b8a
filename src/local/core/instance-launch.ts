/**
 * Starting a new instance's PostgreSQL on its endpoint: an address (and, alone on 127.0.0.1, a port)
 * from the allocator, the data prepared by the caller, then the server started. Another program may
 * bind the address and port between the allocator's check and postgres's bind: then the next one.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter } from '../../events.js';
import { quoteIdent, setRolePassword, withAdminClient } from '../engines/postgres/admin-sql.js';
import type { EndpointAllocator, Reservation } from '../endpoints/endpoint-allocator.js';
import type { RunAsUser } from './os-user.js';
import type { PgBinaries } from '../engines/postgres/pg-binaries.js';
import { PgServer } from '../engines/postgres/pg-server.js';
import type { TlsFiles } from '../endpoints/tls.js';

export interface LaunchOptions {
  instanceId: string;
  clusterId?: string;
  baseDir: string;
  superuser: string;
  /** The cluster's port (every instance of a cluster listens on it), or undefined for a standalone instance. */
  clusterPort?: number;
  /** The port asked for (the engine's default unless the request named one). */
  wantedPort: number;
  binaries: PgBinaries;
  user: RunAsUser | undefined;
  tls: TlsFiles | undefined;
  reporter: Reporter;
}

export async function launchInstance(
  endpoints: EndpointAllocator,
  o: LaunchOptions,
  prepare: (s: PgServer) => Promise<void>,
): Promise<{ server: PgServer; endpoint: Reservation }> {
  for (let attempt = 0; ; attempt++) {
    const endpoint = await endpoints.instance(o.clusterPort, o.wantedPort);
    const server = new PgServer({
      instanceId: o.instanceId,
      ...(o.clusterId ? { clusterId: o.clusterId } : {}),
      dir: join(o.baseDir, 'instances', o.instanceId),
      host: endpoint.address,
      port: endpoint.port,
      binaries: o.binaries,
      user: o.user,
      superuser: o.superuser,
      tls: o.tls,
      reporter: o.reporter,
    });
    try {
      await prepare(server);
      await server.start();
      return { server, endpoint };
    } catch (err) {
      endpoints.release(endpoint);
      const taken = server.logTail().some((l) => /could not bind|already in use/i.test(l));
      if (!taken || attempt >= 2) {
        rmSync(server.dir, { recursive: true, force: true });
        throw err;
      }
      // Keep that address out of this cluster's way: something else listens there.
      endpoints.pool.reserve(endpoint.address);
    }
  }
}

/** After a restore or a template copy: the cluster's master user exists and has the new cluster's password. */
export async function ensureMasterUser(server: PgServer, username: string, password: string): Promise<void> {
  await withAdminClient(server.socket, async (c) => {
    const r = await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
    if (r.rowCount === 0) await c.query(`CREATE ROLE ${quoteIdent(username)} SUPERUSER LOGIN`);
    await setRolePassword(c, username, password);
  });
}
