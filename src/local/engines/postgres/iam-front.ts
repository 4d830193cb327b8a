/**
 * The authenticating front Aurora puts on a cluster's endpoints while IAM database authentication is
 * on, as a handler of the endpoint's TcpProxy: it speaks the PostgreSQL protocol up to the end of
 * authentication, then relays bytes.
 *
 * - SSLRequest: TLS with the instances' own certificate (so SCRAM channel binding of passed-through
 *   logins still matches); GSSENCRequest: 'N'; CancelRequest: to the instance that owns the key.
 * - A member of rds_iam must use TLS and gets AuthenticationCleartextPassword; the password must be a
 *   valid token (iam-token-check.ts) for this endpoint, this user and this cluster's region. The front
 *   then logs in to the instance itself (iam-backend.ts). Any refusal is the FATAL 28P01 clients expect
 *   and a `local.iam.refused` event (user, endpoint, reason; never the token).
 * - Everyone else is passed through to the instance, which authenticates them as before.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { Reporter } from '../../../events.js';
import { IamBackend, connectInstance } from './iam-backend.js';
import { IamMembership } from './iam-membership.js';
import { verifyIamToken } from '../../iam/iam-token-check.js';
import type { PgServer } from './pg-server.js';
import {
  AUTH, authRequest, CANCEL_REQUEST, fatalError, GSSENC_REQUEST, packetCode, passwordText, PROTOCOL_3, SSL_REQUEST,
  startupParams, WireReader,
} from './pg-wire.js';
import type { ProxySession, ProxyTarget, TcpProxy } from '../../endpoints/tcp-proxy.js';
import type { TlsFiles } from '../../endpoints/tls.js';

/**
 * The names a client may use for a local endpoint, which its token is signed for: the endpoint's own
 * address, and on 127.0.0.1 (the single-address fallback) localhost too; all are in the certificate.
 */
export function endpointHosts(address: string): string[] {
  return address === '127.0.0.1' ? ['127.0.0.1', 'localhost'] : [address];
}
/** PostgreSQL's authentication_timeout: a client that does not finish logging in by then is cut off. */
const AUTH_TIMEOUT_MS = 60_000;

export interface IamFrontOptions {
  clusterId: string;
  region: string;
  tls: TlsFiles;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** The running server of an instance the proxy routed to. */
  instance(instanceId: string): PgServer | undefined;
  /** The cluster's current writer (internal passwords are set there). */
  writer(): PgServer | undefined;
  reporter: Reporter;
}

export interface IamRefusal {
  region: string;
  clusterId: string;
  endpoint: string;
  host: string;
  port: number;
  user: string;
  reason: string;
}

export class IamFront {
  private readonly secureContext: SecureContext;
  private readonly backend: IamBackend;
  private readonly membership = new IamMembership();
  /** BackendKeyData (pid + secret, hex) -> the instance that issued it, for CancelRequests. */
  private readonly cancelKeys = new Map<string, ProxyTarget>();

  constructor(private readonly opts: IamFrontOptions) {
    this.secureContext = createSecureContext({ cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) });
    this.backend = new IamBackend({ caPem: opts.tls.caPem, writer: opts.writer });
  }

  /** Take over new connections of these endpoints. */
  attach(...proxies: TcpProxy[]): void {
    for (const proxy of proxies) proxy.handler = (client, target, session) => void this.serve(client, target, session, proxy);
  }

  /** Back to plain forwarding for new connections; sessions already open stay open, as on Aurora. */
  detach(...proxies: TcpProxy[]): void {
    for (const proxy of proxies) proxy.handler = undefined;
    this.membership.close();
  }

  private async serve(raw: Socket, target: ProxyTarget, session: ProxySession, proxy: TcpProxy): Promise<void> {
    let stream: Duplex = raw;
    const timeout = setTimeout(() => raw.destroy(), AUTH_TIMEOUT_MS).unref();
    try {
      let reader = new WireReader(raw);
      let secure = false;
      let startup: Buffer;
      for (;;) {
        const packet = await reader.readPacket();
        const code = packetCode(packet);
        if (code === PROTOCOL_3) {
          startup = packet;
          break;
        }
        if (code === SSL_REQUEST && !secure) {
          reader.release();
          raw.write('S');
          const tls = new TLSSocket(raw, { isServer: true, secureContext: this.secureContext });
          tls.on('error', () => tls.destroy());
          session.track(tls);
          stream = tls;
          secure = true;
          reader = new WireReader(tls);
        } else if (code === GSSENC_REQUEST && !secure) {
          stream.write('N');
        } else if (code === CANCEL_REQUEST && packet.length === 16) {
          this.forwardCancel(packet, target);
          stream.destroy();
          return;
        } else {
          stream.end(fatalError('08P01', `unsupported frontend protocol ${code >>> 16}.${code & 0xffff}`));
          return;
        }
      }
      const user = startupParams(startup).get('user') ?? '';
      const server = this.opts.instance(target.id);
      const iam = server !== undefined && user !== '' && (await this.membership.isIamUser(server, user));
      if (!iam) {
        const upstream = await connectInstance(target, secure ? this.opts.tls.caPem : undefined);
        session.track(upstream);
        upstream.write(startup);
        this.relay(stream, reader.release(), upstream, Buffer.alloc(0), target);
        return;
      }
      // Refused before the password is asked for: a token is never sent in clear text.
      if (!secure) return this.refuse(stream, user, proxy, 'no-tls');
      const started = Date.now();
      stream.write(authRequest(AUTH.cleartextPassword));
      const answer = await reader.readMessage();
      if (answer.type !== 'p') {
        stream.destroy();
        return;
      }
      const verdict = await verifyIamToken(passwordText(answer.body), {
        hosts: endpointHosts(proxy.host),
        port: proxy.port,
        user,
        region: this.opts.region,
        credentials: this.opts.credentials,
      });
      if (!verdict.ok) return this.refuse(stream, user, proxy, verdict.reason);
      const login = await this.backend.login(target, startup, user);
      if (!login.ok) {
        stream.end(login.error);
        return;
      }
      session.track(login.socket);
      this.relay(stream, reader.release(), login.socket, login.leftover, target);
      this.opts.reporter.emit({
        code: 'local.iam.login',
        level: 'debug',
        message: `IAM login of "${user}" at ${proxy.name} accepted in ${Date.now() - started} ms`,
        data: { clusterId: this.opts.clusterId, endpoint: proxy.name, user, instanceId: target.id, ms: Date.now() - started },
      });
    } catch (err) {
      // The client went away (nothing to tell), or the instance could not be reached (say so, as PostgreSQL would).
      if (stream.destroyed || !stream.writable) raw.destroy();
      else stream.end(fatalError('08006', `aurora-lab IAM front: ${(err as Error).message}`), () => raw.destroy());
    } finally {
      clearTimeout(timeout);
    }
  }

  private refuse(stream: Duplex, user: string, proxy: TcpProxy, reason: string): void {
    stream.end(fatalError('28P01', `password authentication failed for user "${user}"`));
    const refusal: IamRefusal = { region: this.opts.region, clusterId: this.opts.clusterId, endpoint: proxy.name, host: proxy.host, port: proxy.port, user, reason };
    this.opts.reporter.emit({
      code: 'local.iam.refused',
      level: 'warn',
      message: `IAM login of "${user}" at ${proxy.name} (${proxy.host}:${proxy.port}) refused: ${reason}`,
      data: refusal,
    });
  }

  private forwardCancel(packet: Buffer, target: ProxyTarget): void {
    const to = this.cancelKeys.get(packet.subarray(8, 16).toString('hex')) ?? target;
    const socket = connect({ host: to.host, port: to.port });
    socket.on('error', () => socket.destroy());
    socket.end(packet);
  }

  /**
   * Relay both ways; the instance's messages are watched until the first ReadyForQuery for the
   * session's BackendKeyData (so a CancelRequest to the endpoint reaches the right instance).
   */
  private relay(client: Duplex, fromClient: Buffer, upstream: Duplex, fromUpstream: Buffer, target: ProxyTarget): void {
    let key: string | undefined;
    const watch = new StartupWatcher((k) => {
      key = k;
      this.cancelKeys.set(k, target);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      if (key) this.cancelKeys.delete(key);
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
    if (client.destroyed || upstream.destroyed) return close();
    const toClient = (chunk: Buffer) => {
      watch.feed(chunk);
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    };
    if (fromUpstream.length > 0) toClient(fromUpstream);
    if (fromClient.length > 0) upstream.write(fromClient);
    upstream.on('data', toClient);
    upstream.resume();
    client.pipe(upstream);
  }
}

/** Follows server messages up to the first ReadyForQuery, reporting the BackendKeyData on the way. */
class StartupWatcher {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(private readonly onKey: (key: string) => void) {}

  feed(chunk: Buffer): void {
    if (this.done) return;
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 5) {
      const len = this.buf.readInt32BE(1);
      if (this.buf.length < len + 1) return;
      const type = String.fromCharCode(this.buf[0]!);
      if (type === 'K' && len === 12) this.onKey(this.buf.subarray(5, 13).toString('hex'));
      this.buf = this.buf.subarray(len + 1);
      if (type === 'Z') {
        this.done = true;
        this.buf = Buffer.alloc(0);
        return;
      }
    }
  }
}
