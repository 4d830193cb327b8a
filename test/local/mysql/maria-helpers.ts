/**
 * A bench of MariaDB servers for the driver's tests: a temp root the server user can pass through,
 * ports from a random base, the shared template, and cleanup of everything started.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import { serverUser } from '../../../src/local/core/os-user.js';
import { PortAllocator, randomBasePort } from '../../../src/local/core/ports.js';
import { ensureLocalTls, type TlsFiles } from '../../../src/local/endpoints/tls.js';
import { findMariaBinaries } from '../../../src/local/engines/mysql/maria-binaries.js';
import { MariaServer } from '../../../src/local/engines/mysql/maria-server.js';
import { ensureMariaTemplate } from '../../../src/local/engines/mysql/maria-template.js';

/** Shared across test processes, as the fixtures' TLS and templates are. */
export const TEMPLATE_ROOT = join(tmpdir(), 'aurora-lab-test-maria-templates');
const TLS_DIR = join(tmpdir(), 'aurora-lab-test-tls');

export class MariaBench {
  readonly root = mkdtempSync(join(tmpdir(), 'alab-mdrv-'));
  readonly binaries = findMariaBinaries();
  readonly user = serverUser();
  readonly ports = new PortAllocator(randomBasePort());
  readonly servers: MariaServer[] = [];
  tls?: TlsFiles;
  private nextId = 1;

  constructor() {
    chmodSync(this.root, 0o711);
  }

  template(): Promise<string> {
    return ensureMariaTemplate(TEMPLATE_ROOT, this.binaries, this.user);
  }

  async server(name: string, options: { tls?: boolean; host?: string; port?: number } = {}): Promise<MariaServer> {
    if (options.tls && !this.tls) this.tls = await ensureLocalTls(TLS_DIR);
    const s = new MariaServer({
      instanceId: name,
      clusterId: 'bench',
      dir: join(this.root, name),
      host: options.host,
      port: options.port ?? (await this.ports.allocate(options.host ? [options.host] : undefined)),
      serverId: this.nextId++,
      binaries: this.binaries,
      user: this.user,
      tls: options.tls ? this.tls : undefined,
    });
    this.servers.push(s);
    return s;
  }

  /** A running writer from the template. */
  async writer(name: string, options: { tls?: boolean } = {}): Promise<MariaServer> {
    const s = await this.server(name, options);
    await s.copyDataFrom(await this.template());
    await s.start();
    return s;
  }

  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop('immediate')));
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** A TCP login as a password user (what a lab's client does). */
export function login(server: MariaServer, user: string, password: string, database?: string): Promise<Connection> {
  return createConnection({ host: server.host, port: server.port, user, password, database, connectTimeout: 5000 });
}

export async function count(server: MariaServer, table: string): Promise<number> {
  return server.admin(async (c) => {
    const [rows] = await c.query(`SELECT COUNT(*) AS n FROM ${table}`);
    return Number((rows as Array<{ n: number }>)[0]!.n);
  });
}

/** Poll until `fn` is true (for replication to arrive); false at the timeout. */
export async function eventually(fn: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
