/**
 * Free TCP ports on loopback, handed out upwards from a base so a plane's ports sit together. Used
 * where an endpoint cannot have the engine's default port: the single-address mode, a port another
 * program holds, the initdb template's short-lived server.
 */
import { createServer } from 'node:net';

/** Is `port` free on `host` now (nothing bound to it there, nor to the wildcard address)? */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export class PortAllocator {
  private next: number;
  private readonly taken = new Set<number>();

  constructor(readonly base: number) {
    this.next = base;
  }

  /** The next port at or above the cursor that is free now on every one of `hosts` and not handed out before. */
  async allocate(hosts: string[] = ['127.0.0.1']): Promise<number> {
    for (let tries = 0; tries < 2000; tries++) {
      const port = this.next++;
      if (this.next > 65535) this.next = 1024;
      if (this.taken.has(port)) continue;
      let free = true;
      for (const host of hosts) if (free) free = await isPortFree(port, host);
      if (free) {
        this.taken.add(port);
        return port;
      }
    }
    throw new Error(`no free port found from ${this.base}`);
  }

  release(port: number): void {
    this.taken.delete(port);
  }
}

/** A base port unlikely to collide with another test worker's. */
export function randomBasePort(): number {
  return 20000 + Math.floor(Math.random() * 400) * 100;
}
