/** Free TCP ports on 127.0.0.1, handed out upwards from a base so a cluster's ports sit together. */
import { createServer } from 'node:net';

export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export class PortAllocator {
  private next: number;
  private readonly taken = new Set<number>();

  constructor(readonly base: number) {
    this.next = base;
  }

  /** The next port at or above the cursor that is free now and not handed out before. */
  async allocate(): Promise<number> {
    for (let tries = 0; tries < 2000; tries++) {
      const port = this.next++;
      if (this.next > 65535) this.next = 1024;
      if (this.taken.has(port)) continue;
      if (await isPortFree(port)) {
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
