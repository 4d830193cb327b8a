/**
 * Just enough of MariaDB's binary log format (v4 events) for point-in-time recovery: where each
 * transaction (GTID event group) begins and ends in a binlog file, its GTID, and the whole second in
 * its GTID event's header. The SQL itself is decoded by mariadb-binlog (maria-pitr.ts); this only finds
 * positions, in microseconds per file, without starting a process.
 *
 * An event is a 19-byte header (timestamp u32, type u8, server_id u32, length u32, next position u32,
 * flags u16, little-endian) and a body whose last 4 bytes are its CRC32 (MariaDB's default). A group
 * is a GTID event followed by its events up to an Xid (InnoDB), a COMMIT query (non-transactional
 * engines) or, for a standalone GTID (DDL), the one query event that follows it.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BINLOG_BASENAME } from './maria-repl-sql.js';

const HEADER = 19;
const MAGIC = 4;
const QUERY = 2;
const STOP = 3;
const ROTATE = 4;
const XID = 16;
const GTID = 162;
const GTID_LIST = 163;
const FL_STANDALONE = 1;

export interface BinlogTxn {
  gtid: string;
  file: string;
  /** Offset of its GTID event (a --start-position). */
  start: number;
  /** Offset just past its last event (a --stop-position). */
  end: number;
  /** Whole second (Unix) in its GTID event's header: when the statement that committed it began. */
  headerSec: number;
}

/** A parse in progress: the group whose end has not been read yet. */
export interface GroupState {
  open?: { gtid: string; start: number; headerSec: number; standalone: boolean };
}

export interface ParseResult {
  /** Groups that ended in the bytes parsed. */
  txns: BinlogTxn[];
  /** Offset after the last complete event: where the next read starts. */
  offset: number;
  /** The Gtid_list event's GTIDs (the history before this file), when the parse covered it. */
  gtidList?: string[];
  /** A Rotate or Stop event was read: the server writes no more to this file. */
  ended: boolean;
}

/** Parse the complete events of `buf`, which holds `file` from `base` on; an incomplete tail is left. */
export function parseEvents(buf: Buffer, base: number, file: string, state: GroupState): ParseResult {
  const txns: BinlogTxn[] = [];
  let gtidList: string[] | undefined;
  let ended = false;
  let at = 0;
  if (base === 0) {
    if (buf.length < MAGIC) return { txns, offset: 0, ended };
    at = MAGIC;
  }
  while (at + HEADER <= buf.length) {
    const length = buf.readUInt32LE(at + 9);
    if (length < HEADER || at + length > buf.length) break;
    const type = buf[at + 4]!;
    const body = buf.subarray(at + HEADER, at + length);
    const pos = base + at;
    const end = pos + length;
    const close = () => {
      if (state.open) txns.push({ gtid: state.open.gtid, file, start: state.open.start, end, headerSec: state.open.headerSec });
      state.open = undefined;
    };
    if (type === GTID) {
      // A GTID group never nests: a new one means the last ended (it should not happen, but be safe).
      state.open = undefined;
      const seq = body.readBigUInt64LE(0);
      const domain = body.readUInt32LE(8);
      const serverId = buf.readUInt32LE(at + 5);
      state.open = { gtid: `${domain}-${serverId}-${seq}`, start: pos, headerSec: buf.readUInt32LE(at), standalone: (body[12]! & FL_STANDALONE) !== 0 };
    } else if (type === XID) {
      close();
    } else if (type === QUERY && state.open) {
      if (state.open.standalone || queryText(body).startsWith('COMMIT')) close();
    } else if (type === ROTATE || type === STOP) {
      ended = true;
    } else if (type === GTID_LIST) {
      const count = body.readUInt32LE(0) & 0x0fffffff;
      gtidList = [];
      for (let i = 0; i < count; i++) {
        const o = 4 + i * 16;
        gtidList.push(`${body.readUInt32LE(o)}-${body.readUInt32LE(o + 4)}-${body.readBigUInt64LE(o + 8)}`);
      }
    }
    at += length;
  }
  return { txns, offset: base + at, ended, ...(gtidList ? { gtidList } : {}) };
}

/** A query event's statement text (thread id, exec time, db length, error code, status vars, db, query). */
function queryText(body: Buffer): string {
  if (body.length < 13) return '';
  const dbLen = body[8]!;
  const statusLen = body.readUInt16LE(11);
  const from = 13 + statusLen + dbLen + 1;
  return body.subarray(from, Math.min(body.length, from + 16)).toString('latin1');
}

/** The binlog files of a server's data dir, oldest first, as its index lists them (names only). */
export function binlogFiles(dataDir: string): string[] {
  const index = join(dataDir, `${BINLOG_BASENAME}.index`);
  if (!existsSync(index)) return [];
  return readFileSync(index, 'utf8').split('\n').map((l) => l.trim().replace(/^\.\//, '')).filter(Boolean)
    .map((l) => l.split('/').pop()!).filter((f) => existsSync(join(dataDir, f)));
}

/** Read `file` (in `dataDir`) from `offset` to its current end. */
export function readFrom(dataDir: string, file: string, offset: number): Buffer {
  const path = join(dataDir, file);
  const size = statSync(path).size;
  if (size <= offset) return Buffer.alloc(0);
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(path, 'r');
  try {
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Every complete transaction in a server's binlogs, in commit order, and the history before its first file. */
export function binlogHistory(dataDir: string): { txns: BinlogTxn[]; files: string[]; before: string[] | undefined } {
  const files = binlogFiles(dataDir);
  const txns: BinlogTxn[] = [];
  let before: string[] | undefined;
  files.forEach((file, i) => {
    const r = parseEvents(readFrom(dataDir, file, 0), 0, file, {});
    if (i === 0) before = r.gtidList;
    txns.push(...r.txns);
  });
  return { txns, files, before };
}
