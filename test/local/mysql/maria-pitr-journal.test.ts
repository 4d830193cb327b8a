/** Finding where a MariaDB restore stops: binlog groups parsed from bytes, and the stop chosen from sightings. */
import { describe, expect, test } from 'vitest';
import { parseEvents, type BinlogTxn } from '../../../src/local/engines/mysql/maria-pitr-binlog.js';
import { chooseStop, type Sighting } from '../../../src/local/engines/mysql/maria-pitr-journal.js';

/** One v4 event: header, body, and 4 bytes standing for the CRC32. */
function event(type: number, sec: number, serverId: number, body: Buffer, pos: number): Buffer {
  const length = 19 + body.length + 4;
  const h = Buffer.alloc(19);
  h.writeUInt32LE(sec, 0);
  h[4] = type;
  h.writeUInt32LE(serverId, 5);
  h.writeUInt32LE(length, 9);
  h.writeUInt32LE(pos + length, 13);
  return Buffer.concat([h, body, Buffer.alloc(4)]);
}

function gtidBody(seq: number, standalone: boolean): Buffer {
  const b = Buffer.alloc(13);
  b.writeBigUInt64LE(BigInt(seq), 0);
  b.writeUInt32LE(0, 8);
  b[12] = standalone ? 1 : 0;
  return b;
}

function queryBody(text: string): Buffer {
  const post = Buffer.alloc(13);
  post[8] = 3; // db name length
  return Buffer.concat([post, Buffer.from('lab\0' + text, 'latin1')]);
}

function binlog(parts: Array<[number, Buffer]>): Buffer {
  let buf = Buffer.from([0xfe, 0x62, 0x69, 0x6e]);
  for (const [type, body] of parts) buf = Buffer.concat([buf, event(type, 1000, 7, body, buf.length)]);
  return buf;
}

describe('binlog groups', () => {
  test('a transaction ends at its Xid, a standalone DDL at its query, and an unfinished tail waits for more bytes', () => {
    const whole = binlog([[162, gtidBody(1, true)], [2, queryBody('CREATE TABLE t (n int)')], [162, gtidBody(2, false)], [19, Buffer.alloc(8)], [16, Buffer.alloc(8)], [162, gtidBody(3, false)]]);
    const cut = whole.length - 5;
    const state = {};
    const r = parseEvents(whole.subarray(0, cut), 0, 'mariadb-bin.000001', state);
    expect(r.txns.map((t) => t.gtid)).toEqual(['0-7-1', '0-7-2']);
    // The cut falls inside the third GTID event: the parse stops before it, where the second ended.
    expect(r.txns[1]!.end).toBe(r.offset);
    expect(r.offset).toBeLessThan(cut);
    // The rest arrives: the GTID event of the third completes, its group is still open.
    const more = parseEvents(whole.subarray(r.offset), r.offset, 'mariadb-bin.000001', state);
    expect(more.txns).toEqual([]);
    expect(more.offset).toBe(whole.length);
  });
});

const txn = (n: number, headerSec: number): BinlogTxn => ({ gtid: `0-1-${n}`, file: 'f', start: n * 10, end: n * 10 + 10, headerSec });

describe('where a restore stops', () => {
  const t0 = 1_800_000_000_000; // a whole second
  test('every transaction seen in the binlog by the moment is replayed, none first seen after it, though all share one second', () => {
    const txns = [txn(1, t0 / 1000), txn(2, t0 / 1000), txn(3, t0 / 1000)];
    const seen = new Map<string, Sighting>([['0-1-1', { after: t0 + 10, by: t0 + 12 }], ['0-1-2', { after: t0 + 100, by: t0 + 102 }], ['0-1-3', { after: t0 + 300, by: t0 + 302 }]]);
    expect(chooseStop(txns, seen, t0 + 200)).toEqual({ count: 2, undecided: 0, clearBeforeMs: 98, clearAfterMs: 100 });
    expect(chooseStop(txns, seen, t0 + 5)).toMatchObject({ count: 0, undecided: 0 });
    expect(chooseStop(txns, seen, t0 + 400)).toMatchObject({ count: 3, undecided: 0 });
  });

  test('a transaction written in the poll interval holding the moment is replayed and counted as undecided', () => {
    const seen = new Map<string, Sighting>([['0-1-1', { after: t0 + 198, by: t0 + 201 }]]);
    expect(chooseStop([txn(1, t0 / 1000)], seen, t0 + 200)).toEqual({ count: 1, undecided: 1 });
  });

  test('an unsighted transaction takes its bounds from its neighbours in commit order', () => {
    const txns = [txn(1, t0 / 1000), txn(2, t0 / 1000), txn(3, t0 / 1000)];
    const seen = new Map<string, Sighting>([['0-1-1', { after: t0 + 10, by: t0 + 12 }], ['0-1-3', { after: t0 + 300, by: t0 + 302 }]]);
    // 2 committed between 1 and 3: before 302, after 10; at 200 it is undecided, at 5 excluded, at 302 decided.
    expect(chooseStop(txns, seen, t0 + 200)).toEqual({ count: 2, undecided: 1, clearAfterMs: 100 });
    expect(chooseStop(txns, seen, t0 + 305)).toEqual({ count: 3, undecided: 0, clearBeforeMs: 3 });
  });

  test('without a journal a header second after the moment still excludes a transaction and all after it', () => {
    const txns = [txn(1, t0 / 1000), txn(2, t0 / 1000 + 1), txn(3, t0 / 1000)];
    expect(chooseStop(txns, new Map(), t0 + 999)).toEqual({ count: 1, undecided: 1, clearAfterMs: 1 });
  });
});
