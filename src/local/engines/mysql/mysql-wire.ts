/**
 * The parts of the MySQL client/server protocol the MySQL front (mysql-front.ts) reads and writes:
 * packet framing, the server's greeting (HandshakeV10), the client's SSLRequest and
 * HandshakeResponse41, OK / ERR, AuthSwitchRequest, and the command packets it rewrites. Integers are
 * little-endian; "lenenc" is MySQL's length-encoded integer.
 */
import type { Duplex } from 'node:stream';

export const CLIENT = {
  connectWithDb: 0x8,
  compress: 0x20,
  protocol41: 0x200,
  ssl: 0x800,
  secureConnection: 0x8000,
  pluginAuth: 0x80000,
  connectAttrs: 0x100000,
  pluginAuthLenenc: 0x200000,
} as const;

export const COM_QUERY = 0x03;
export const COM_STMT_PREPARE = 0x16;
const MAX_PAYLOAD = 0xffffff;

export interface Packet {
  seq: number;
  payload: Buffer;
}

/** One or more frames (a payload of 16 MiB or more is split, as the protocol says). */
export function packet(seq: number, payload: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const len = Math.min(MAX_PAYLOAD, payload.length - offset);
    const header = Buffer.from([len & 0xff, (len >> 8) & 0xff, len >> 16, seq & 0xff]);
    parts.push(header, payload.subarray(offset, offset + len));
    offset += len;
    seq++;
    if (len < MAX_PAYLOAD) return Buffer.concat(parts);
  }
}

/** Reads whole packets from a stream until released; what it read beyond the last packet is handed back. */
export class PacketReader {
  private buf: Buffer = Buffer.alloc(0);
  private waiter?: () => void;
  private ended?: Error;
  private readonly onData = (chunk: Buffer) => {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    this.waiter?.();
  };
  private readonly onEnd = () => {
    this.ended = new Error('connection closed during the handshake');
    this.waiter?.();
  };

  constructor(private readonly stream: Duplex) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('close', this.onEnd);
    stream.on('error', this.onEnd);
  }

  /** The next frame (a split payload is not joined: handshakes never are that long). */
  async read(): Promise<Packet> {
    for (;;) {
      if (this.buf.length >= 4) {
        const len = this.buf.readUIntLE(0, 3);
        if (this.buf.length >= 4 + len) {
          const p = { seq: this.buf[3]!, payload: this.buf.subarray(4, 4 + len) };
          this.buf = this.buf.subarray(4 + len);
          return p;
        }
      }
      if (this.ended) throw this.ended;
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }

  /** Stop reading; the bytes read but not yet returned. The stream is paused. */
  release(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('close', this.onEnd);
    this.stream.off('error', this.onEnd);
    this.stream.pause();
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }
}

export interface Greeting {
  /** The 20-byte scramble mysql_native_password answers. */
  salt: Buffer;
  capabilities: number;
}

function greetingOffsets(p: Buffer): { capsLow: number; capsHigh: number; salt2: number; salt2Len: number } {
  if (p[0] !== 10) throw new Error(`unsupported handshake protocol ${p[0]}`);
  const versionEnd = p.indexOf(0, 1);
  const capsLow = versionEnd + 1 + 4 + 8 + 1;
  const capsHigh = capsLow + 2 + 1 + 2;
  const dataLen = p[capsHigh + 2]!;
  const salt2 = capsHigh + 2 + 1 + 10;
  return { capsLow, capsHigh, salt2, salt2Len: Math.max(13, dataLen - 8) - 1 };
}

export function parseGreeting(p: Buffer): Greeting {
  const o = greetingOffsets(p);
  const salt1 = p.subarray(o.capsLow - 9, o.capsLow - 1);
  const salt = Buffer.concat([salt1, p.subarray(o.salt2, o.salt2 + o.salt2Len)]);
  return { salt, capabilities: (p.readUInt16LE(o.capsLow) | (p.readUInt16LE(o.capsHigh) << 16)) >>> 0 };
}

/** The greeting as the client gets it: no compression, TLS offered (the front terminates it). */
export function offerGreeting(p: Buffer): Buffer {
  const o = greetingOffsets(p);
  const out = Buffer.from(p);
  out.writeUInt16LE(((out.readUInt16LE(o.capsLow) & ~CLIENT.compress) | CLIENT.ssl) & 0xffff, o.capsLow);
  return out;
}

export interface HandshakeResponse {
  capabilities: number;
  /** Capabilities, max packet size, charset and filler (MariaDB's extended capabilities): the SSLRequest. */
  head: Buffer;
  user: Buffer;
  authResponse: Buffer;
  database?: Buffer;
  plugin?: string;
  attrs?: Buffer;
}

/** A 32-byte packet is the SSLRequest that precedes the real response over TLS. */
export function isSslRequest(p: Buffer): boolean {
  return p.length === 32 && (p.readUInt32LE(0) & CLIENT.ssl) !== 0;
}

export function parseHandshakeResponse(p: Buffer): HandshakeResponse {
  const caps = p.readUInt32LE(0);
  if (!(caps & CLIENT.protocol41)) throw new Error('client does not speak protocol 4.1');
  let at = 32;
  const cstr = () => {
    const end = p.indexOf(0, at);
    const s = p.subarray(at, end < 0 ? p.length : end);
    at = end < 0 ? p.length : end + 1;
    return s;
  };
  const user = cstr();
  let authResponse: Buffer;
  if (caps & CLIENT.pluginAuthLenenc) {
    const [len, next] = readLenenc(p, at);
    authResponse = p.subarray(next, next + len);
    at = next + len;
  } else if (caps & CLIENT.secureConnection) {
    authResponse = p.subarray(at + 1, at + 1 + p[at]!);
    at += 1 + p[at]!;
  } else authResponse = cstr();
  const r: HandshakeResponse = { capabilities: caps, head: Buffer.from(p.subarray(0, 32)), user: Buffer.from(user), authResponse: Buffer.from(authResponse) };
  if (caps & CLIENT.connectWithDb && at < p.length) r.database = Buffer.from(cstr());
  if (caps & CLIENT.pluginAuth && at < p.length) r.plugin = cstr().toString('latin1');
  if (caps & CLIENT.connectAttrs && at < p.length) r.attrs = Buffer.from(p.subarray(at));
  return r;
}

/** `head` with the capability flags changed. */
export function withCapabilities(head: Buffer, set: number, clear: number): Buffer {
  const out = Buffer.from(head);
  out.writeUInt32LE(((out.readUInt32LE(0) | set) & ~clear) >>> 0, 0);
  return out;
}

export function buildHandshakeResponse(r: HandshakeResponse): Buffer {
  const caps = r.head.readUInt32LE(0);
  const auth = caps & CLIENT.pluginAuthLenenc ? Buffer.concat([lenenc(r.authResponse.length), r.authResponse]) : Buffer.concat([Buffer.from([r.authResponse.length]), r.authResponse]);
  const parts = [r.head, r.user, Buffer.from([0]), auth];
  if (caps & CLIENT.connectWithDb) parts.push(r.database ?? Buffer.alloc(0), Buffer.from([0]));
  if (caps & CLIENT.pluginAuth) parts.push(Buffer.from(`${r.plugin ?? ''}\0`, 'latin1'));
  if (caps & CLIENT.connectAttrs && r.attrs) parts.push(r.attrs);
  return Buffer.concat(parts);
}

export function readLenenc(p: Buffer, at: number): [number, number] {
  const first = p[at]!;
  if (first < 0xfb) return [first, at + 1];
  if (first === 0xfc) return [p.readUInt16LE(at + 1), at + 3];
  if (first === 0xfd) return [p.readUIntLE(at + 1, 3), at + 4];
  return [Number(p.readBigUInt64LE(at + 1)), at + 9];
}

export function lenenc(n: number): Buffer {
  if (n < 0xfb) return Buffer.from([n]);
  if (n < 0x10000) return Buffer.from([0xfc, n & 0xff, n >> 8]);
  return Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
}

export function errPayload(code: number, sqlState: string, message: string): Buffer {
  const head = Buffer.from([0xff, code & 0xff, code >> 8]);
  return Buffer.concat([head, Buffer.from(`#${sqlState}${message}`, 'utf8')]);
}

/** An ERR packet's code and message (protocol 4.1: with a SQL state). */
export function parseErr(p: Buffer): { code: number; message: string } {
  const code = p.readUInt16LE(1);
  const message = p[3] === 0x23 ? p.subarray(9).toString('utf8') : p.subarray(3).toString('utf8');
  return { code, message };
}

export function authSwitchPayload(plugin: string, data: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${plugin}\0`, 'latin1'), data]);
}

/**
 * Splits the client's bytes after login into packets: a COM_QUERY or COM_STMT_PREPARE (a packet with
 * sequence number 0, joined across frames when it is 16 MiB or more) has its text rewritten; every
 * other byte (other commands, LOAD DATA contents, later authentication exchanges) goes on as it is.
 */
export class CommandRewriter {
  private buf: Buffer = Buffer.alloc(0);
  private pending?: { command: number; parts: Buffer[] };

  constructor(private readonly rewriteText: (sql: string) => string) {}

  /** The bytes to send on for `chunk` (possibly fewer, when a packet is still incomplete). */
  feed(chunk: Buffer): Buffer {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    while (this.buf.length >= 4) {
      const len = this.buf.readUIntLE(0, 3);
      if (this.buf.length < 4 + len) break;
      const frame = this.buf.subarray(0, 4 + len);
      const seq = frame[3]!;
      this.buf = this.buf.subarray(4 + len);
      if (this.pending) {
        this.pending.parts.push(frame.subarray(4));
        if (len < MAX_PAYLOAD) out.push(this.finish(Buffer.concat(this.pending.parts), undefined));
      } else if (seq === 0 && len > 0 && (frame[4] === COM_QUERY || frame[4] === COM_STMT_PREPARE)) {
        if (len === MAX_PAYLOAD) this.pending = { command: frame[4]!, parts: [frame.subarray(4)] };
        else out.push(this.finish(frame.subarray(4), frame));
      } else out.push(frame);
    }
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  private finish(payload: Buffer, original: Buffer | undefined): Buffer {
    this.pending = undefined;
    const text = payload.subarray(1).toString('latin1');
    const changed = this.rewriteText(text);
    if (changed === text) return original ?? packet(0, payload);
    return packet(0, Buffer.concat([payload.subarray(0, 1), Buffer.from(changed, 'latin1')]));
  }
}
