/**
 * The MySQL-protocol front on an Aurora MySQL cluster's endpoints (a TcpProxy handler), so that clients
 * written for Aurora MySQL work unchanged against MariaDB:
 *
 * - The handshake is relayed: the client gets the instance's own greeting (its scramble, so password
 *   logins pass through untouched) without CLIENT_COMPRESS and with TLS offered. The front ends the
 *   client's TLS with the endpoints' certificate and speaks TLS to the instance too, so the session on
 *   the instance is TLS exactly when the client's is.
 * - After login every COM_QUERY / COM_STMT_PREPARE goes through the IAM rewrite (mysql-iam.ts) and the
 *   Aurora emulation (aurora-emulation.ts); every other byte, both ways, is relayed as it is.
 * - IAM users (recognised by the instance's answer, see mysql-iam.ts) are asked for a token with an
 *   AuthSwitchRequest to mysql_clear_password, over TLS only, and only while the cluster has IAM auth
 *   on. A valid token (iam-token-check.ts: this endpoint, this user, this region) gets the client a
 *   session the front opened with the user's internal password; a refusal is ERR 1045 (28000) and a
 *   `local.iam.refused` event (user, endpoint, reason; never the token).
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect, createSecureContext, TLSSocket, type SecureContext } from 'node:tls';
import type { Reporter } from '../../../events.js';
import type { ProxySession, ProxyTarget, TcpProxy } from '../../endpoints/tcp-proxy.js';
import type { TlsFiles } from '../../endpoints/tls.js';
import { verifyIamToken } from '../../iam/iam-token-check.js';
import { rewrite } from './aurora-emulation.js';
import { internalPassword, isIamUserError, nativeScramble, rewriteIam } from './mysql-iam.js';
import {
  authSwitchPayload, buildHandshakeResponse, CLIENT, CommandRewriter, errPayload, isSslRequest, offerGreeting, packet,
  PacketReader, parseErr, parseGreeting, parseHandshakeResponse, withCapabilities, type HandshakeResponse,
} from './mysql-wire.js';

/** MySQL's connect_timeout is 10 s; the front gives a login a little longer (TLS, a token check). */
const LOGIN_TIMEOUT_MS = 30_000;
/** How long an IAM login retries while a reader has not replayed the user yet. */
const RETRY_MS = 5000;
const NATIVE = 'mysql_native_password';

export interface MysqlInstanceInfo {
  host: string;
  port: number;
  role: 'writer' | 'reader';
}

export interface MysqlFrontOptions {
  clusterId: string;
  region: string;
  /** The endpoints' certificate and key; its CA verifies the instances' certificates too. */
  tls: TlsFiles;
  /** The local server's credentials, which tokens are signed with; without them no token is valid. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Whether the cluster has IAM database authentication on (read at each login). */
  iamAuth(): boolean;
  /** Derives IAM users' internal passwords; the same across restarts of the local server. */
  secret: Buffer;
  /** Aurora MySQL's version, e.g. '3.08.2'. */
  auroraVersion: string;
  instance(instanceId: string): MysqlInstanceInfo | undefined;
  reporter: Reporter;
}

/** The names a client may use for a local endpoint (its token is signed for one of them). */
function endpointHosts(address: string): string[] {
  return address === '127.0.0.1' ? ['127.0.0.1', 'localhost'] : [address];
}

export class MysqlFront {
  private readonly secureContext: SecureContext;

  constructor(private readonly opts: MysqlFrontOptions) {
    this.secureContext = createSecureContext({ cert: readFileSync(opts.tls.certFile), key: readFileSync(opts.tls.keyFile) });
  }

  /** Take over new connections of these endpoints. */
  attach(...proxies: TcpProxy[]): void {
    for (const proxy of proxies) proxy.handler = (client, target, session) => void this.serve(client, target, session, proxy);
  }

  /** Back to plain forwarding for new connections; sessions already open stay open. */
  detach(...proxies: TcpProxy[]): void {
    for (const proxy of proxies) proxy.handler = undefined;
  }

  private async serve(raw: Socket, target: ProxyTarget, session: ProxySession, proxy: TcpProxy): Promise<void> {
    let client: Duplex = raw;
    let backend: Duplex | undefined;
    const timeout = setTimeout(() => raw.destroy(), LOGIN_TIMEOUT_MS).unref();
    /** The sequence number an ERR of the front's own takes: 0 before the greeting, after it the answer's. */
    let errSeq = 0;
    try {
      const info = this.opts.instance(target.id);
      if (!info) throw new Error(`instance ${target.id} is not running`);
      backend = await connectBackend(target);
      session.track(backend);
      let bReader = new PacketReader(backend);
      const greeting = await bReader.read();
      if (greeting.payload[0] === 0xff) {
        raw.end(packet(greeting.seq, greeting.payload));
        return;
      }
      const { capabilities } = parseGreeting(greeting.payload);
      raw.write(packet(0, offerGreeting(greeting.payload)));
      errSeq = 2;
      let cReader = new PacketReader(raw);
      let answer = await cReader.read();
      const secure = isSslRequest(answer.payload);
      if (secure) {
        // The client starts TLS right after its SSLRequest, with no answer to wait for: what came with it is the ClientHello.
        const tls = new TLSSocket(withHead(raw, cReader.release()), { isServer: true, secureContext: this.secureContext });
        tls.on('error', () => tls.destroy());
        session.track(tls);
        client = tls;
        cReader = new PacketReader(tls);
        answer = await cReader.read();
        errSeq = 3;
        if (!(capabilities & CLIENT.ssl)) throw new Error(`instance ${target.id} does not offer TLS`);
        backend.write(packet(1, withCapabilities(answer.payload.subarray(0, 32), CLIENT.ssl, CLIENT.compress)));
        bReader.release();
        backend = await startTls(backend, target.host, this.opts.tls.caPem);
        session.track(backend);
        bReader = new PacketReader(backend);
      }

      const response = parseHandshakeResponse(answer.payload);
      const user = response.user.toString('utf8');
      backend.write(packet(answer.seq, withCapabilities(answer.payload, 0, CLIENT.compress)));
      let lastClientSeq = answer.seq;
      for (;;) {
        const b = await bReader.read();
        if (b.payload[0] === 0x00) {
          client.write(packet(b.seq, b.payload));
          break;
        }
        if (b.payload[0] === 0xff) {
          const err = parseErr(b.payload);
          if (!isIamUserError(err.code, err.message)) {
            client.end(packet(b.seq, b.payload));
            return;
          }
          backend.destroy();
          bReader.release();
          const login = await this.iamLogin(client, cReader, { response, user, secure, seq: lastClientSeq + 1, target, proxy, raw });
          if (!login) return;
          backend = login.socket;
          session.track(backend);
          bReader = login.reader;
          break;
        }
        client.write(packet(b.seq, b.payload));
        const c = await cReader.read();
        lastClientSeq = c.seq;
        backend.write(packet(c.seq, c.payload));
      }
      const emulation = { clusterId: this.opts.clusterId, instanceId: target.id, role: info.role, auroraVersion: this.opts.auroraVersion };
      const rewriter = new CommandRewriter((sql) => rewrite(rewriteIam(sql, this.opts.secret), emulation));
      this.relay(client, cReader.release(), backend, bReader.release(), rewriter);
    } catch (err) {
      backend?.destroy();
      if (client.destroyed || !client.writable) raw.destroy();
      else client.end(packet(errSeq, errPayload(2013, 'HY000', `aurora-lab MySQL front: ${(err as Error).message}`)), () => raw.destroy());
    } finally {
      clearTimeout(timeout);
    }
  }

  /** The IAM exchange with the client and the login to the instance; undefined when refused. */
  private async iamLogin(
    client: Duplex,
    cReader: PacketReader,
    a: { response: HandshakeResponse; user: string; secure: boolean; seq: number; target: ProxyTarget; proxy: TcpProxy; raw: Socket },
  ): Promise<{ socket: Duplex; reader: PacketReader } | undefined> {
    const started = Date.now();
    const refuse = (seq: number, reason: string) => {
      const host = a.raw.remoteAddress?.replace(/^::ffff:/, '') ?? 'localhost';
      client.end(packet(seq, errPayload(1045, '28000', `Access denied for user '${a.user}'@'${host}' (using password: YES)`)));
      this.opts.reporter.emit({
        code: 'local.iam.refused',
        level: 'warn',
        message: `IAM login of "${a.user}" at ${a.proxy.name} (${a.proxy.host}:${a.proxy.port}) refused: ${reason}`,
        data: { region: this.opts.region, clusterId: this.opts.clusterId, endpoint: a.proxy.name, host: a.proxy.host, port: a.proxy.port, user: a.user, reason },
      });
      return undefined;
    };
    // Refused before the token is asked for: it is never sent in clear text, nor where IAM is off.
    if (!this.opts.iamAuth()) return refuse(a.seq, 'iam-disabled');
    if (!a.secure) return refuse(a.seq, 'no-tls');
    client.write(packet(a.seq, authSwitchPayload('mysql_clear_password')));
    const answer = await cReader.read();
    const token = answer.payload.toString('utf8').replace(/\0$/, '');
    const credentials = this.opts.credentials;
    if (!credentials) return refuse(answer.seq + 1, 'unknown-key');
    const verdict = await verifyIamToken(token, { hosts: endpointHosts(a.proxy.host), port: a.proxy.port, user: a.user, region: this.opts.region, credentials });
    if (!verdict.ok) return refuse(answer.seq + 1, verdict.reason);
    const password = internalPassword(this.opts.secret, a.response.user);
    const deadline = Date.now() + RETRY_MS;
    for (;;) {
      const login: BackendLogin = await backendLogin(a.target, a.response, password, this.opts.tls.caPem).catch((err: Error) => ({
        err: errPayload(2013, 'HY000', `aurora-lab MySQL front: ${err.message}`),
      }));
      if (login.ok) {
        client.write(packet(answer.seq + 1, login.ok));
        this.opts.reporter.emit({
          code: 'local.iam.login',
          level: 'debug',
          message: `IAM login of "${a.user}" at ${a.proxy.name} accepted in ${Date.now() - started} ms`,
          data: { clusterId: this.opts.clusterId, endpoint: a.proxy.name, user: a.user, instanceId: a.target.id, ms: Date.now() - started },
        });
        return { socket: login.socket, reader: login.reader };
      }
      // A reader that has not replayed the user yet answers as for an unknown user: wait for it.
      if (Date.now() > deadline || ![1045, 1524].includes(parseErr(login.err).code)) {
        client.end(packet(answer.seq + 1, login.err));
        return undefined;
      }
      await sleep(50);
    }
  }

  /** Relay both ways; the client's commands through the rewriter. */
  private relay(client: Duplex, fromClient: Buffer, upstream: Duplex, fromUpstream: Buffer, rewriter: CommandRewriter): void {
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('error', close);
      s.on('close', close);
    }
    if (client.destroyed || upstream.destroyed) return close();
    const send = (from: Duplex, to: Duplex, chunk: Buffer) => {
      if (chunk.length > 0 && !to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    };
    if (fromUpstream.length > 0) send(upstream, client, fromUpstream);
    if (fromClient.length > 0) send(client, upstream, rewriter.feed(fromClient));
    upstream.on('data', (chunk: Buffer) => send(upstream, client, chunk));
    client.on('data', (chunk: Buffer) => send(client, upstream, rewriter.feed(chunk)));
    upstream.resume();
    client.resume();
  }
}

/** The socket's bytes with `head` before them, as one stream (what TLSSocket reads the handshake from). */
function withHead(raw: Socket, head: Buffer): Duplex {
  const joined = new Duplex({
    read: () => void raw.resume(),
    write: (chunk: Buffer, _enc, done) => void raw.write(chunk, done),
    final: (done) => void raw.end(done),
    destroy: (err, done) => {
      raw.destroy();
      done(err);
    },
  });
  if (head.length > 0) joined.push(head);
  raw.on('data', (chunk: Buffer) => void (joined.push(chunk) || raw.pause()));
  raw.on('end', () => joined.push(null));
  raw.on('close', () => joined.destroy());
  raw.resume();
  return joined;
}

async function connectBackend(at: { host: string; port: number }): Promise<Socket> {
  const socket = connect({ host: at.host, port: at.port });
  socket.setNoDelay(true);
  socket.on('error', () => socket.destroy());
  await once(socket, 'connect');
  return socket;
}

/** TLS to the instance, verified against the local CA for its address. */
async function startTls(socket: Duplex, host: string, caPem: string): Promise<Duplex> {
  const secure = tlsConnect({ socket, ca: caPem, host, servername: /^[\d.]+$/.test(host) ? undefined : host });
  secure.on('error', () => secure.destroy());
  await once(secure, 'secureConnect');
  return secure;
}

type BackendLogin = { ok: Buffer; socket: Duplex; reader: PacketReader } | { ok?: undefined; err: Buffer };

/** Log in to the instance over TLS as the client's user with its internal password, up to OK. */
async function backendLogin(at: ProxyTarget, client: HandshakeResponse, password: Buffer, caPem: string): Promise<BackendLogin> {
  let socket: Duplex = await connectBackend(at);
  try {
    let reader = new PacketReader(socket);
    const greeting = await reader.read();
    if (greeting.payload[0] === 0xff) return { err: greeting.payload };
    const { salt } = parseGreeting(greeting.payload);
    const head = withCapabilities(client.head, CLIENT.ssl | CLIENT.protocol41 | CLIENT.secureConnection | CLIENT.pluginAuth, CLIENT.compress);
    socket.write(packet(1, head));
    reader.release();
    socket = await startTls(socket, at.host, caPem);
    reader = new PacketReader(socket);
    socket.write(packet(2, buildHandshakeResponse({ ...client, head, authResponse: nativeScramble(password, salt), plugin: NATIVE })));
    for (;;) {
      const b = await reader.read();
      if (b.payload[0] === 0x00) return { ok: b.payload, socket, reader };
      if (b.payload[0] === 0xff) {
        socket.destroy();
        return { err: b.payload };
      }
      if (b.payload[0] !== 0xfe) throw new Error('unexpected packet while logging in to the instance');
      const nameEnd = b.payload.indexOf(0, 1);
      if (b.payload.subarray(1, nameEnd).toString('latin1') !== NATIVE) throw new Error('instance asked for another authentication method');
      socket.write(packet(b.seq + 1, nativeScramble(password, b.payload.subarray(nameEnd + 1))));
    }
  } catch (err) {
    socket.destroy();
    throw err;
  }
}
