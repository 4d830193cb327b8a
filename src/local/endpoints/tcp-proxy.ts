/**
 * L4 proxies standing in for Aurora's endpoints: the cluster endpoint forwards to the writer, the
 * reader endpoint spreads new connections round-robin over the readers (the writer when there are
 * none). TLS passes through untouched: the client's handshake is with PostgreSQL itself, unless a
 * handler takes the connection over (the IAM front, which speaks the protocol itself).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../../sim/data-plane.js';

export interface ProxyTarget {
  id: string;
  /** The instance's own loopback address and port. */
  host: string;
  port: number;
}

/**
 * Awaited before a new connection is forwarded to `target`; the client's bytes wait meanwhile (a paused
 * Serverless v2 instance resumes here). A rejection refuses the connection; undefined forwards at once.
 */
export type BeforeConnect = (target: ProxyTarget) => Promise<void> | undefined;

/** The streams of one connection that a drop must cut (the client's TLS layer, the upstream session). */
export interface ProxySession {
  track(stream: Duplex): void;
}

/**
 * Takes over a connection instead of plain forwarding (the IAM front); called after beforeConnect,
 * with the target this connection was routed to.
 */
export type ConnectionHandler = (client: Socket, target: ProxyTarget, session: ProxySession) => void;

export class TcpProxy {
  /** See BeforeConnect; set by the data plane. */
  beforeConnect?: BeforeConnect;
  /** See ConnectionHandler; set by the data plane. */
  handler?: ConnectionHandler;
  private server?: Server;
  private targets: ProxyTarget[] = [];
  private cursor = 0;
  /** Open client<->server pairs, keyed by the target they went to. */
  private readonly pairs = new Set<{ client: Socket; upstream?: Duplex; others?: Duplex[]; target: ProxyTarget }>();
  host = '';
  port = 0;

  constructor(readonly name: string) {}

  /** Listen on `host` (a loopback address) and `port`; rejects with EADDRINUSE where either is taken. */
  async listen(host: string, port: number): Promise<Endpoint> {
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.host = host;
    this.port = (server.address() as { port: number }).port;
    return { address: this.host, port: this.port };
  }

  /**
   * Where NEW connections go. With dropExisting, open connections are cut too, as clients of a
   * writer that went away see (they reconnect and land on the new target).
   */
  setTargets(targets: ProxyTarget[], options: { dropExisting?: boolean } = {}): void {
    this.targets = [...targets];
    this.cursor = 0;
    if (options.dropExisting) this.dropConnections();
  }

  getTargets(): ProxyTarget[] {
    return [...this.targets];
  }

  /** Cut open connections; only those to `targetId` when given. */
  dropConnections(targetId?: string): void {
    for (const p of [...this.pairs]) {
      if (targetId === undefined || p.target.id === targetId) {
        p.client.destroy();
        p.upstream?.destroy();
        for (const o of p.others ?? []) o.destroy();
        this.pairs.delete(p);
      }
    }
  }

  get connectionCount(): number {
    return this.pairs.size;
  }

  /** Open connections forwarded to one target (what keeps a Serverless v2 instance from pausing). */
  connectionsTo(targetId: string): number {
    let n = 0;
    for (const p of this.pairs) if (p.target.id === targetId) n++;
    return n;
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    if (this.targets.length === 0) {
      // Nothing to forward to (mid-failover, no instance yet): refuse as a down endpoint would.
      client.destroy();
      return;
    }
    const target = this.targets[this.cursor++ % this.targets.length]!;
    const gate = this.beforeConnect?.(target);
    if (!gate) return this.dispatch(client, target);
    client.pause();
    const refuse = () => client.destroy();
    client.once('error', refuse);
    gate.then(
      () => {
        client.off('error', refuse);
        if (client.destroyed) return;
        this.dispatch(client, target);
        client.resume();
      },
      refuse,
    );
  }

  private dispatch(client: Socket, target: ProxyTarget): void {
    const handler = this.handler;
    if (!handler) return this.forward(client, target);
    const pair: { client: Socket; others: Duplex[]; target: ProxyTarget } = { client, others: [], target };
    this.pairs.add(pair);
    client.on('error', () => client.destroy());
    client.on('close', () => this.pairs.delete(pair));
    handler(client, target, {
      // A stream opened after the connection was dropped (mid-failover) goes at once.
      track: (stream) => (client.destroyed ? stream.destroy() : void pair.others.push(stream)),
    });
  }

  private forward(client: Socket, target: ProxyTarget): void {
    const upstream = connect({ host: target.host, port: target.port });
    upstream.setNoDelay(true);
    const pair = { client, upstream, target };
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async close(): Promise<void> {
    this.dropConnections();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
