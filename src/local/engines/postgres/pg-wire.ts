/**
 * The few pieces of the PostgreSQL frontend/backend protocol (version 3) that a front in the middle of
 * a connection needs: the untyped packets a client opens with (SSLRequest, GSSENCRequest,
 * CancelRequest, StartupMessage), typed messages, an ErrorResponse, and a buffered reader that hands
 * back whatever it read too far when the connection switches to plain relaying.
 */
import type { Duplex } from 'node:stream';

export const PROTOCOL_3 = 196608;
export const SSL_REQUEST = 80877103;
export const GSSENC_REQUEST = 80877104;
export const CANCEL_REQUEST = 80877102;

/** Authentication request codes (the int32 after an 'R'). */
export const AUTH = { ok: 0, cleartextPassword: 3, sasl: 10, saslContinue: 11, saslFinal: 12 } as const;

/** Big enough for any real startup or password message; a peer announcing more is not speaking PostgreSQL. */
const MAX_PACKET = 64 * 1024;

export interface WireMessage {
  type: string;
  body: Buffer;
  /** The whole message as it came: type byte, length, body. */
  raw: Buffer;
}

export class WireError extends Error {}

/** Reads exact byte counts from a stream, keeping what arrives early for the next read. */
export class WireReader {
  private buf: Buffer = Buffer.alloc(0);
  private want?: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void };
  private failure?: Error;
  private readonly onData = (chunk: Buffer) => {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.settle();
  };
  private readonly onEnd = () => this.fail(new WireError('connection closed'));
  private readonly onError = (err: Error) => this.fail(err);

  constructor(private readonly stream: Duplex) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
    stream.resume();
  }

  read(n: number): Promise<Buffer> {
    if (this.want) return Promise.reject(new WireError('read already pending'));
    return new Promise((resolve, reject) => {
      this.want = { n, resolve, reject };
      this.settle();
    });
  }

  /** An untyped packet: int32 length (itself included), then the body. Returned whole. */
  async readPacket(): Promise<Buffer> {
    const head = await this.read(4);
    const len = head.readInt32BE(0);
    if (len < 8 || len > MAX_PACKET) throw new WireError(`bad packet length ${len}`);
    return Buffer.concat([head, await this.read(len - 4)]);
  }

  async readMessage(): Promise<WireMessage> {
    const head = await this.read(5);
    const len = head.readInt32BE(1);
    if (len < 4 || len > MAX_PACKET) throw new WireError(`bad message length ${len}`);
    const body = await this.read(len - 4);
    return { type: String.fromCharCode(head[0]!), body, raw: Buffer.concat([head, body]) };
  }

  /** Stop reading; returns the bytes read but not consumed. The stream is left paused. */
  release(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.pause();
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.settle();
  }

  private settle(): void {
    const want = this.want;
    if (!want) return;
    if (this.buf.length >= want.n) {
      this.want = undefined;
      const out = this.buf.subarray(0, want.n);
      this.buf = this.buf.subarray(want.n);
      want.resolve(out);
    } else if (this.failure) {
      this.want = undefined;
      want.reject(this.failure);
    }
  }
}

/** A StartupMessage's parameters (user, database, application_name, options...). */
export function startupParams(packet: Buffer): Map<string, string> {
  const params = new Map<string, string>();
  const parts = packet.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params.set(parts[i]!, parts[i + 1]!);
  return params;
}

export function packetCode(packet: Buffer): number {
  return packet.readInt32BE(4);
}

export function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

export function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

export function cstring(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf8');
}

export function authRequest(code: number, data: Buffer = Buffer.alloc(0)): Buffer {
  return message('R', Buffer.concat([int32(code), data]));
}

export function sslRequest(): Buffer {
  return Buffer.concat([int32(8), int32(SSL_REQUEST)]);
}

/** A FATAL ErrorResponse, as the server sends before closing a connection it refuses. */
export function fatalError(sqlstate: string, text: string): Buffer {
  const fields = Buffer.concat([
    Buffer.from('S'), cstring('FATAL'),
    Buffer.from('V'), cstring('FATAL'),
    Buffer.from('C'), cstring(sqlstate),
    Buffer.from('M'), cstring(text),
    Buffer.from([0]),
  ]);
  return message('E', fields);
}

/** The SQLSTATE of an ErrorResponse body ('' when it carries none). */
export function errorCode(body: Buffer): string {
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const field = String.fromCharCode(body[i]!);
    const end = body.indexOf(0, i + 1);
    if (end < 0) break;
    if (field === 'C') return body.subarray(i + 1, end).toString('utf8');
    i = end + 1;
  }
  return '';
}

/** The text of a PasswordMessage ('p'): a string ended by a zero byte. */
export function passwordText(body: Buffer): string {
  const end = body.indexOf(0);
  return body.subarray(0, end < 0 ? body.length : end).toString('utf8');
}
