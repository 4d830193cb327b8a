/**
 * SCRAM-SHA-256 (RFC 5802/7677) as PostgreSQL uses it, both halves the IAM front needs: the stored
 * verifier for a password (so the password itself never reaches the server, its log or its WAL) and
 * the client side of the exchange (the front logging in to an instance). No channel binding: the
 * front's session to the instance is its own TLS connection, verified against the local CA.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const ITERATIONS = 4096;

function hmac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function sha256(data: Buffer): Buffer {
  return createHash('sha256').update(data).digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}

/**
 * What `ALTER ROLE ... PASSWORD` stores for `password` under SCRAM-SHA-256; PostgreSQL accepts it
 * as the password text and keeps it as is. The password must be ASCII (SASLprep leaves it unchanged).
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = ITERATIONS): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const storedKey = sha256(hmac(salted, 'Client Key'));
  const serverKey = hmac(salted, 'Server Key');
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** One client-side SCRAM-SHA-256 exchange: firstMessage, then finalMessage(serverFirst), then verify(serverFinal). */
export class ScramClient {
  private readonly nonce = randomBytes(18).toString('base64');
  private readonly clientFirstBare = `n=,r=${this.nonce}`;
  private serverSignature?: Buffer;

  constructor(private readonly password: string) {}

  firstMessage(): string {
    return `n,,${this.clientFirstBare}`;
  }

  finalMessage(serverFirst: string): string {
    const attrs = parseAttributes(serverFirst);
    const nonce = attrs.get('r');
    const salt = attrs.get('s');
    const iterations = Number(attrs.get('i'));
    if (!nonce?.startsWith(this.nonce) || nonce.length === this.nonce.length || !salt || !(iterations > 0)) {
      throw new Error('SCRAM: unexpected server-first-message');
    }
    const salted = pbkdf2Sync(this.password, Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(clientKey, hmac(sha256(clientKey), authMessage));
    this.serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** The server proved it knows the verifier too (otherwise something else answered as the instance). */
  verify(serverFinal: string): boolean {
    const v = parseAttributes(serverFinal).get('v');
    if (!v || !this.serverSignature) return false;
    const got = Buffer.from(v, 'base64');
    return got.length === this.serverSignature.length && timingSafeEqual(got, this.serverSignature);
  }
}

function parseAttributes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) out.set(part[0]!, part.slice(2));
  }
  return out;
}
