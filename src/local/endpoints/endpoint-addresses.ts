/**
 * Where the local endpoints listen. On AWS a cluster has one Port and its cluster, reader and instance
 * endpoints are host names on it; locally each endpoint gets its own loopback address (all of
 * 127.0.0.0/8 is loopback on Linux, with no set-up) and a cluster one port, the engine's default where
 * that is free on its addresses.
 *
 * Each data plane takes a /24 block of its own (127.A.B.0/24, picked at random and kept in its base
 * directory), so several local servers on one machine rarely share addresses; where they do, or another
 * program holds the port on an address, the bind fails and the next address or port is tried.
 *
 * Systems that route only 127.0.0.1 (macOS without loopback aliases) refuse a bind to 127.0.0.2 with
 * EADDRNOTAVAIL: there every endpoint shares 127.0.0.1 with a port of its own, as before.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const SINGLE_ADDRESS = '127.0.0.1';

export type AddressMode =
  | { kind: 'block'; /** The first three octets, e.g. "127.37.204". */ prefix: string }
  | { kind: 'single' };

/** Can `host` be bound at all (EADDRNOTAVAIL says the system does not route it to loopback)? */
export function canBind(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code !== 'EADDRNOTAVAIL'));
    srv.listen({ port: 0, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

function randomPrefix(): string {
  // 127.0.x.x is left alone: 127.0.0.1 is everyone's, and Debian puts the host name on 127.0.1.1.
  return `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}`;
}

const BLOCK_FILE = 'address-block';

/**
 * The mode for a data plane whose state lives in `baseDir`: the block kept there from an earlier start
 * (so its addresses and certificate stay the same), else a new random one; single-address mode where
 * the system cannot bind another loopback address.
 */
export async function chooseAddressMode(baseDir: string): Promise<AddressMode> {
  const file = join(baseDir, BLOCK_FILE);
  let prefix = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(prefix)) prefix = randomPrefix();
  if (!(await canBind(`${prefix}.1`))) return { kind: 'single' };
  mkdirSync(baseDir, { recursive: true });
  writeFileSync(file, `${prefix}\n`);
  return { kind: 'block', prefix };
}

/** The addresses of one block, handed out lowest first and given back when an endpoint goes. */
export class AddressPool {
  private readonly used = new Set<string>();

  constructor(readonly mode: AddressMode) {}

  /** "127.A.B.0/24", or undefined in single-address mode. */
  get block(): string | undefined {
    return this.mode.kind === 'block' ? `${this.mode.prefix}.0/24` : undefined;
  }

  /**
   * A free address for which `usable` holds (say, the cluster's port is free on it). Single-address
   * mode always answers 127.0.0.1. Undefined when the block has none left.
   */
  async take(usable: (host: string) => Promise<boolean> = async () => true): Promise<string | undefined> {
    if (this.mode.kind === 'single') return SINGLE_ADDRESS;
    for (let last = 1; last <= 254; last++) {
      const host = `${this.mode.prefix}.${last}`;
      if (this.used.has(host)) continue;
      this.used.add(host);
      if (await usable(host)) return host;
      this.used.delete(host);
    }
    return undefined;
  }

  /** Keep an address from being handed out (an endpoint found bound to it). */
  reserve(host: string): void {
    if (this.mode.kind === 'block') this.used.add(host);
  }

  release(host: string): void {
    this.used.delete(host);
  }
}
