import { afterAll, describe, expect, it } from 'vitest';
import type { Connection } from 'mysql2/promise';
import {
  cloneReplica, containedIn, fenceWriter, follow, promote, rejoinAsReplica, replicaLagMs, waitReplicating,
} from '../../../src/local/engines/mysql/maria-replication.js';
import type { MariaServer } from '../../../src/local/engines/mysql/maria-server.js';
import { ensureDatabase, ensureMasterUser } from '../../../src/local/engines/mysql/maria-setup.js';
import { MariaBench, count, eventually, login } from './maria-helpers.js';

const bench = new MariaBench();
afterAll(() => bench.close());

const PASSWORD = 'Master-Pw-For-Tests-1';

async function gtidPos(s: MariaServer, which: 'binlog' | 'slave' = 'binlog'): Promise<string> {
  return s.admin(async (c) => String(((await c.query(`SELECT @@GLOBAL.gtid_${which}_pos AS p`))[0] as Array<{ p: string }>)[0]!.p));
}

/** Wait until `replica` applied everything `writer` has binlogged. */
async function caughtUp(replica: MariaServer, writer: MariaServer): Promise<void> {
  const pos = await gtidPos(writer);
  const w = await replica.admin(async (c) => ((await c.query('SELECT MASTER_GTID_WAIT(?, 20) AS w', [pos]))[0] as Array<{ w: number }>)[0]!.w);
  expect(w).toBe(0);
}

/** Inserts ids 1, 2, ... as the master user into whichever server `target()` names, counting acknowledgements. */
function insertStream(target: () => MariaServer) {
  const acked = new Set<number>();
  let failures = 0;
  let running = true;
  const done = (async () => {
    let conn: Connection | undefined;
    let at: MariaServer | undefined;
    for (let id = 1; running; ) {
      try {
        if (!conn || at !== target()) {
          conn?.destroy();
          at = target();
          conn = await login(at, 'admin', PASSWORD, 'lab');
        }
        // IGNORE: a retried id may have been committed before its connection was cut.
        await conn.query('INSERT IGNORE INTO stream (id) VALUES (?)', [id]);
        acked.add(id++);
      } catch {
        failures++;
        conn?.destroy();
        conn = undefined;
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    conn?.destroy();
  })();
  return { acked, failures: () => failures, stop: async () => { running = false; await done; } };
}

describe('MariaDB GTID replication', () => {
  let writer: MariaServer;
  let r1: MariaServer;
  let r2: MariaServer;

  it('launches a writer and two template-replay readers that replicate, verified', async () => {
    const template = await bench.template(); // made once per machine, not part of a launch
    const t0 = Date.now();
    writer = await bench.server('writer');
    await writer.copyDataFrom(template);
    await writer.start();
    await ensureMasterUser(writer, 'admin', PASSWORD);
    await ensureDatabase(writer, 'lab');
    const tWriter = Date.now();
    r1 = await bench.server('reader1');
    r2 = await bench.server('reader2');
    const methods = await Promise.all([cloneReplica(r1, writer), cloneReplica(r2, writer)]);
    const tCloned = Date.now();
    await Promise.all([r1.start(), r2.start()]);
    expect(await Promise.all([waitReplicating(r1), waitReplicating(r2)])).toEqual([true, true]);
    await writer.admin((c) => c.query('CREATE TABLE lab.t (id INT PRIMARY KEY, v VARCHAR(20))'));
    await writer.admin((c) => c.query("INSERT INTO lab.t VALUES (1, 'one'), (2, 'two')"));
    for (const r of [r1, r2]) expect(await eventually(async () => (await count(r, 'lab.t').catch(() => 0)) === 2)).toBe(true);
    const total = Date.now() - t0;
    console.log(`cluster launch: writer ${tWriter - t0} ms, 2 template clones ${tCloned - tWriter} ms, readers started and rows verified ${Date.now() - tCloned} ms; total ${total} ms`);
    expect(methods).toEqual(['template', 'template']);
    expect(await r1.admin(async (c) => (await c.query('SELECT @@read_only AS ro'))[0])).toEqual([{ ro: 1 }]);
    expect(await replicaLagMs(r1)).toBe(0);
    expect(await replicaLagMs(writer)).toBeUndefined();
    expect(await waitReplicating(writer, 100)).toBe(false);
  });

  it('refuses the master user a write on a read-only replica with 1290', async () => {
    const c = await login(r1, 'admin', PASSWORD, 'lab');
    try {
      await expect(c.query("INSERT INTO t VALUES (3, 'three')")).rejects.toMatchObject({ errno: 1290 });
      const [rows] = await c.query('SELECT COUNT(*) AS n FROM t');
      expect(rows).toEqual([{ n: 2 }]);
    } finally {
      c.destroy();
    }
  });

  it('keeps a restarted replica read-only and replicating, and has no lag figure while its SQL thread is stopped', async () => {
    await r2.stop('fast');
    await writer.admin((c) => c.query("INSERT INTO lab.t VALUES (10, 'while r2 was down')"));
    await r2.start();
    expect(await r2.admin(async (c) => (await c.query('SELECT @@read_only AS ro'))[0])).toEqual([{ ro: 1 }]);
    expect(await waitReplicating(r2)).toBe(true);
    await caughtUp(r2, writer);
    expect(await count(r2, 'lab.t')).toBe(3);
    await r2.admin((c) => c.query('STOP SLAVE SQL_THREAD'));
    expect(await replicaLagMs(r2)).toBeUndefined();
    await r2.admin((c) => c.query('START SLAVE SQL_THREAD'));
    expect(await waitReplicating(r2)).toBe(true);
    await writer.admin((c) => c.query('DELETE FROM lab.t WHERE id = 10'));
    await caughtUp(r2, writer);
    expect(await replicaLagMs(r2)).toBe(0);
  });

  it('clones a replica by mariadb-backup as well as by template replay, each then replicating', async () => {
    const r3 = await bench.server('reader3');
    let t = Date.now();
    expect(await cloneReplica(r3, writer, { method: 'backup' })).toBe('backup');
    const backupMs = Date.now() - t;
    t = Date.now();
    await r3.start();
    expect(await waitReplicating(r3)).toBe(true);
    await writer.admin((c) => c.query("INSERT INTO lab.t VALUES (3, 'three')"));
    expect(await eventually(async () => (await count(r3, 'lab.t')) === 3)).toBe(true);
    console.log(`backup clone: mariadb-backup --backup/--prepare ${backupMs} ms; start and first replicated row ${Date.now() - t} ms`);
    // Re-measure a template clone alone for comparison.
    const r4 = await bench.server('reader4');
    t = Date.now();
    expect(await cloneReplica(r4, writer, { method: 'template' })).toBe('template');
    const copyMs = Date.now() - t;
    t = Date.now();
    await r4.start();
    expect(await eventually(async () => (await count(r4, 'lab.t').catch(() => 0)) === 3)).toBe(true);
    console.log(`template clone: copy ${copyMs} ms; start and binlog replay to the same row ${Date.now() - t} ms`);
    await Promise.all([r3.stop('fast'), r4.stop('fast')]);
  });

  it('fails over under a stream of acknowledged inserts without losing one', async () => {
    await writer.admin((c) => c.query('CREATE TABLE lab.stream (id INT PRIMARY KEY)'));
    await Promise.all([caughtUp(r1, writer), caughtUp(r2, writer)]);
    let current = writer;
    const stream = insertStream(() => current);
    await eventually(async () => stream.acked.size >= 50);
    const t0 = Date.now();
    const finalPos = await fenceWriter(writer);
    await promote(r1, finalPos, 10_000);
    current = r1;
    const outage = Date.now() - t0;
    await follow(r2, r1);
    const rejoin = await rejoinAsReplica(writer, r1);
    const before = stream.acked.size;
    await eventually(async () => stream.acked.size >= before + 50);
    await stream.stop();
    console.log(`failover: fence -> promoted ${outage} ms; rejoin by ${rejoin}; ${stream.acked.size} inserts acknowledged, ${stream.failures()} attempts failed`);
    expect(rejoin).toBe('follow');
    expect(await r1.admin(async (c) => (await c.query('SELECT @@read_only AS ro'))[0])).toEqual([{ ro: 0 }]);
    await Promise.all([caughtUp(r2, r1), caughtUp(writer, r1)]);
    for (const s of [r1, r2, writer]) {
      const ids = await s.admin(async (c) => new Set(((await c.query('SELECT id FROM lab.stream'))[0] as Array<{ id: number }>).map((r) => r.id)));
      const lost = [...stream.acked].filter((id) => !ids.has(id));
      expect({ server: s.instanceId, lost }).toEqual({ server: s.instanceId, lost: [] });
    }
    expect(stream.acked.size).toBeGreaterThan(100);
    // The old writer and r2 now replicate from r1.
    await r1.admin((c) => c.query("INSERT INTO lab.t VALUES (4, 'four')"));
    for (const r of [r2, writer]) expect(await eventually(async () => (await count(r, 'lab.t')) === 4)).toBe(true);
  });

  it('re-clones an old writer whose GTID history diverged from the new writer', async () => {
    // The old writer (now a replica of r1) gets a transaction r1 never had, as a crashed writer would.
    await writer.admin(async (c) => {
      await c.query('STOP SLAVE');
      await c.query("INSERT INTO lab.t VALUES (99, 'diverged')");
    });
    await r1.admin((c) => c.query("INSERT INTO lab.t VALUES (5, 'five')"));
    expect(containedIn(await gtidPos(writer), await r1.admin(async (c) => String(((await c.query('SELECT @@gtid_binlog_state AS s'))[0] as Array<{ s: string }>)[0]!.s)))).toBe(false);
    expect(await rejoinAsReplica(writer, r1)).toBe('clone');
    expect(await waitReplicating(writer)).toBe(true);
    await caughtUp(writer, r1);
    const ids = await writer.admin(async (c) => ((await c.query('SELECT id FROM lab.t ORDER BY id'))[0] as Array<{ id: number }>).map((r) => r.id));
    expect(ids).toEqual([1, 2, 3, 4, 5]);
  });

  it('promotes a replica of a writer that is gone, with everything it had received', async () => {
    await r1.admin((c) => c.query("INSERT INTO lab.t VALUES (6, 'six')"));
    await caughtUp(r2, r1);
    const expected = await count(r1, 'lab.t');
    await r1.stop('immediate');
    await promote(r2, undefined, 10_000);
    expect(await count(r2, 'lab.t')).toBe(expected);
    const c = await login(r2, 'admin', PASSWORD, 'lab');
    try {
      await c.query("INSERT INTO t VALUES (7, 'seven')");
    } finally {
      c.destroy();
    }
    // The old writer follows the new one.
    await follow(writer, r2);
    expect(await eventually(async () => (await count(writer, 'lab.t')) === expected + 1)).toBe(true);
  });

  it('replicates between instances that share a port, each on its own loopback address', async () => {
    const port = await bench.ports.allocate(['127.0.0.2', '127.0.0.3']);
    const w = await bench.server('addr-writer', { host: '127.0.0.2', port });
    await w.copyDataFrom(await bench.template());
    await w.start();
    await ensureMasterUser(w, 'admin', PASSWORD);
    const r = await bench.server('addr-reader', { host: '127.0.0.3', port });
    await cloneReplica(r, w);
    await r.start();
    expect(await waitReplicating(r)).toBe(true);
    await w.admin((c) => c.query('CREATE DATABASE shared_port'));
    expect(await eventually(async () => r.admin(async (c) => ((await c.query("SHOW DATABASES LIKE 'shared_port'"))[0] as unknown[]).length === 1))).toBe(true);
    const c = await login(r, 'admin', PASSWORD);
    c.destroy();
    await Promise.all([w.stop('fast'), r.stop('fast')]);
  });

  it('containedIn compares each domain-server sequence', () => {
    expect(containedIn('0-1-100', '0-1-100,0-2-105')).toBe(true);
    expect(containedIn('0-1-101', '0-1-100,0-2-105')).toBe(false);
    expect(containedIn('', '0-2-1')).toBe(true);
    expect(containedIn('1-3-4', '0-3-9')).toBe(false);
  });
});
