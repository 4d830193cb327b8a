/**
 * Hands out the local endpoints' addresses and ports (see endpoint-addresses.ts for the shape): a
 * cluster's endpoint proxies get two addresses and the cluster's one port, each instance an address of
 * its own on that port. Where the wanted port is held on every address, the cluster moves to another
 * port and the move is reported.
 */
import type { Reporter } from '../../events.js';
import type { Endpoint } from '../../sim/data-plane.js';
import { AddressPool, SINGLE_ADDRESS } from './endpoint-addresses.js';
import { isPortFree, type PortAllocator } from '../core/ports.js';
import type { TcpProxy } from './tcp-proxy.js';

/** An endpoint handed out; ownPort: its port is its own (released with it), not the cluster's. */
export interface Reservation extends Endpoint {
  ownPort: boolean;
}

/** A cluster whose port is not the one asked for, and why (for `local status`). */
export interface MovedPort {
  clusterId: string;
  wanted: number;
  port: number;
  reason: string;
}

const BIND_ATTEMPTS = 5;

function inUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

export class EndpointAllocator {
  constructor(
    readonly pool: AddressPool,
    private readonly ports: PortAllocator,
    private readonly reporter: Reporter,
  ) {}

  get singleAddress(): boolean {
    return this.pool.mode.kind === 'single';
  }

  /**
   * Bind the cluster's two proxies. With addresses of its own: two addresses on which `wanted` is free,
   * else two addresses and the lowest plane port free on both. Single-address mode: `wanted` (if free)
   * for the cluster endpoint and a port of its own for the reader endpoint.
   */
  async openCluster(clusterId: string, writer: TcpProxy, reader: TcpProxy, wanted: number): Promise<{ endpoint: Endpoint; readerEndpoint: Endpoint; moved?: MovedPort }> {
    for (let attempt = 0; ; attempt++) {
      const { hosts, port, readerPort, moved } = await this.clusterPlan(clusterId, wanted);
      try {
        const endpoint = await writer.listen(hosts[0], port);
        const readerEndpoint = await reader.listen(hosts[1], readerPort);
        if (moved) this.reportMove(moved, hosts);
        return { endpoint, readerEndpoint, ...(moved ? { moved } : {}) };
      } catch (err) {
        // Another program bound one of them between the check and the bind: try again afresh.
        await Promise.all([writer.close(), reader.close()]);
        for (const h of hosts) this.pool.release(h);
        this.ports.release(port);
        this.ports.release(readerPort);
        if (!inUse(err) || attempt >= BIND_ATTEMPTS) throw err;
      }
    }
  }

  private async clusterPlan(clusterId: string, wanted: number): Promise<{ hosts: [string, string]; port: number; readerPort: number; moved?: MovedPort }> {
    if (this.singleAddress) {
      const free = await isPortFree(wanted, SINGLE_ADDRESS);
      const port = free ? wanted : await this.ports.allocate();
      const hosts: [string, string] = [SINGLE_ADDRESS, SINGLE_ADDRESS];
      const readerPort = await this.ports.allocate();
      return free ? { hosts, port, readerPort } : { hosts, port, readerPort, moved: { clusterId, wanted, port, reason: `port ${wanted} is in use on ${SINGLE_ADDRESS}` } };
    }
    const free = (h: string) => isPortFree(wanted, h);
    const first = await this.pool.take(free);
    const second = first ? await this.pool.take(free) : undefined;
    if (first && second) return { hosts: [first, second], port: wanted, readerPort: wanted };
    if (first) this.pool.release(first);
    const hosts: [string, string] = [(await this.pool.take())!, (await this.pool.take())!];
    if (!hosts[0] || !hosts[1]) throw new Error(`no loopback address left in ${this.pool.block}`);
    const port = await this.ports.allocate(hosts);
    return { hosts, port, readerPort: port, moved: { clusterId, wanted, port, reason: `port ${wanted} is in use on every address of ${this.pool.block}` } };
  }

  private reportMove(moved: MovedPort, hosts: string[]): void {
    this.reporter.emit({
      code: 'local.port.moved',
      level: 'warn',
      message: `Cluster ${moved.clusterId} listens on port ${moved.port} (${hosts.join(', ')}): ${moved.reason}`,
      data: moved,
    });
  }

  /**
   * An address for a new instance: on its cluster's port (`clusterPort`), or for a standalone instance
   * on `wanted` where free. The caller binds it (postgres does) and hands it back with release() if
   * that fails.
   */
  async instance(clusterPort: number | undefined, wanted: number): Promise<Reservation> {
    if (this.singleAddress) return { address: SINGLE_ADDRESS, port: await this.ports.allocate(), ownPort: true };
    const port = clusterPort ?? wanted;
    const address = await this.pool.take((h) => isPortFree(port, h));
    if (address) return { address, port, ownPort: false };
    if (clusterPort !== undefined) throw new Error(`port ${clusterPort} is in use on every address of ${this.pool.block}`);
    const any = await this.pool.take();
    if (!any) throw new Error(`no loopback address left in ${this.pool.block}`);
    return { address: any, port: await this.ports.allocate([any]), ownPort: true };
  }

  release(r: Reservation): void {
    this.pool.release(r.address);
    if (r.ownPort) this.ports.release(r.port);
  }

  /** Give back a cluster's endpoint addresses and ports (its proxies are closed). */
  releaseCluster(endpoints: Endpoint[]): void {
    for (const e of endpoints) {
      this.pool.release(e.address);
      this.ports.release(e.port);
    }
  }
}
