/**
 * How the IAM front logs in to an instance as an IAM user once the token checked out: over TLS
 * (verified against the local CA, so the session shows ssl = true) with SCRAM and a random password
 * per user that only this process knows. The instance stores only its SCRAM verifier, set by the
 * front on the writer the first time the user logs in (and again if the instance stops accepting it:
 * a replica that has not replayed it yet, or an administrator who changed it). pg_hba.conf
 * (iam-setup.ts) admits rds_iam members only this way.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { quoteIdent, quoteLiteral, withAdminClient } from './admin-sql.js';
import type { PgServer } from './pg-server.js';
import { ScramClient, scramVerifier } from './pg-scram.js';
import { AUTH, cstring, errorCode, int32, message, sslRequest, WireReader } from './pg-wire.js';

export type BackendLogin =
  | { ok: true; socket: Duplex; /** What the instance sent from AuthenticationOk on, for the client. */ leftover: Buffer }
  | { ok: false; /** The instance's ErrorResponse, to pass on as it is. */ error: Buffer; code: string };

/** How long a login keeps retrying while a replica catches up with a new password. */
const RETRY_MS = 5000;

/** Where an instance listens: its own loopback address and port. */
export interface InstanceAddress {
  host: string;
  port: number;
}

/** A connection to an instance; with a CA, upgraded to TLS verified against it (for the instance's address). */
export async function connectInstance(at: InstanceAddress, caPem: string | undefined): Promise<Duplex> {
  const { host, port } = at;
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  await once(socket, 'connect');
  if (caPem === undefined) return socket;
  socket.write(sslRequest());
  const reader = new WireReader(socket);
  const answer = await reader.read(1).finally(() => reader.release());
  if (answer[0] !== 'S'.charCodeAt(0)) {
    socket.destroy();
    throw new Error(`instance on ${host}:${port} declined TLS`);
  }
  const secure = tlsConnect({ socket, ca: caPem, host });
  await once(secure, 'secureConnect');
  return secure;
}

export class IamBackend {
  private readonly passwords = new Map<string, Promise<string>>();

  constructor(private readonly opts: { caPem: string; writer: () => PgServer | undefined }) {}

  /** Open a session as the user of `startup` on the instance at `at`, authenticated up to AuthenticationOk. */
  async login(at: InstanceAddress, startup: Buffer, user: string): Promise<BackendLogin> {
    let password = await this.password(user, false);
    let renewed = false;
    const deadline = Date.now() + RETRY_MS;
    for (;;) {
      const result = await this.loginOnce(at, startup, password);
      if (result.ok || result.code !== '28P01' || Date.now() > deadline) return result;
      password = await this.password(user, !renewed);
      renewed = true;
      await sleep(25);
    }
  }

  private async loginOnce(at: InstanceAddress, startup: Buffer, password: string): Promise<BackendLogin> {
    const socket = await connectInstance(at, this.opts.caPem);
    socket.on('error', () => socket.destroy());
    const reader = new WireReader(socket);
    const scram = new ScramClient(password);
    try {
      socket.write(startup);
      for (;;) {
        const m = await reader.readMessage();
        if (m.type === 'E') {
          socket.destroy();
          return { ok: false, error: m.raw, code: errorCode(m.body) };
        }
        if (m.type !== 'R') throw new Error(`unexpected message ${m.type} during authentication`);
        const code = m.body.readInt32BE(0);
        const data = m.body.subarray(4);
        if (code === AUTH.ok) return { ok: true, socket, leftover: Buffer.concat([m.raw, reader.release()]) };
        if (code === AUTH.sasl) {
          if (!data.toString('utf8').split('\0').includes('SCRAM-SHA-256')) throw new Error('instance does not offer SCRAM-SHA-256');
          const first = Buffer.from(scram.firstMessage(), 'utf8');
          socket.write(message('p', Buffer.concat([cstring('SCRAM-SHA-256'), int32(first.length), first])));
        } else if (code === AUTH.saslContinue) {
          socket.write(message('p', Buffer.from(scram.finalMessage(data.toString('utf8')), 'utf8')));
        } else if (code === AUTH.saslFinal) {
          if (!scram.verify(data.toString('utf8'))) throw new Error('instance failed SCRAM server verification');
        } else {
          throw new Error(`instance asked for authentication method ${code}, not SCRAM`);
        }
      }
    } catch (err) {
      socket.destroy();
      throw err;
    }
  }

  /** The user's internal password; a new one (set on the writer) when renew or none yet. */
  private password(user: string, renew: boolean): Promise<string> {
    let p = this.passwords.get(user);
    if (!p || renew) {
      const fresh = this.setPassword(user);
      fresh.catch(() => {
        if (this.passwords.get(user) === fresh) this.passwords.delete(user);
      });
      this.passwords.set(user, (p = fresh));
    }
    return p;
  }

  private async setPassword(user: string): Promise<string> {
    const writer = this.opts.writer();
    if (!writer) throw new Error('the cluster has no writer to set the password on');
    const password = randomBytes(32).toString('base64url');
    await withAdminClient(writer.socket, async (c) => {
      // Only the verifier travels, but it stays out of the server log all the same.
      await c.query('SET log_statement = none');
      await c.query('SET log_min_error_statement = panic');
      await c.query(`ALTER ROLE ${quoteIdent(user)} PASSWORD ${quoteLiteral(scramVerifier(password))}`);
    });
    return password;
  }
}
