/**
 * Point-in-time recovery of a local Aurora MySQL cluster on real MariaDB: a base backup plus a replay
 * of the binary logs, stopped at the moment to the millisecond, also after a failover.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, test } from 'vitest';
import { MemoryReporter } from '../../../src/events.js';
import { LocalDataPlane } from '../../../src/local/core/local-data-plane.js';
import { randomBasePort } from '../../../src/local/core/ports.js';
import type { Endpoint } from '../../../src/sim/data-plane.js';
import { TEST_CREDENTIALS } from '../../helpers/test-credentials.js';
import { clusterSpec, eventually, instanceSpec, newPlane, PASSWORD, tempBaseDir, TLS_DIR } from '../local-plane-helpers.js';

const mysqlCluster = (id: string, extra = {}) => clusterSpec(id, { engine: 'aurora-mysql', engineVersion: '8.0.mysql_aurora.3.08.2', ...extra });
const mysqlInstance = (id: string, cluster: string, role: 'writer' | 'reader', tier = 1) => instanceSpec(id, cluster, role, tier, { engine: 'aurora-mysql' });

async function sql<T = Record<string, unknown>>(plane: LocalDataPlane, endpoint: Endpoint, statements: string[], password = PASSWORD): Promise<T[]> {
  const c = await mysql.createConnection({ host: endpoint.address, port: endpoint.port, user: 'labadmin', password, database: 'labdb', ssl: { ca: plane.caPem } });
  try {
    let last: unknown = [];
    for (const s of statements) [last] = await c.query(s);
    return last as T[];
  } finally {
    await c.end();
  }
}

describe('point-in-time recovery of a local Aurora MySQL cluster (MariaDB)', () => {
  const { plane, baseDir, reporter } = newPlane();
  afterAll(async () => {
    await plane.shutdown({ purge: true });
  });

  test('a restore to a moment brings back every transaction committed by then and none a tens of milliseconds after', async () => {
    const src = await plane.createCluster(mysqlCluster('mp-src'));
    await plane.createInstance(mysqlInstance('mp-src-1', 'mp-src', 'writer'));
    await sql(plane, src.endpoint, ['CREATE TABLE batches (n int primary key, at_ms bigint not null)']);
    const batch = (n: number) => sql(plane, src.endpoint, [`INSERT INTO batches VALUES (${n}, round(unix_timestamp(now(3)) * 1000))`]);
    await batch(1);
    await batch(2);
    // A restart starts a new binlog file: the replay spans both, and the journal follows into the new one.
    await plane.rebootInstance('mp-src-1');
    await batch(3);
    await sleep(50);
    const moment = new Date();
    await sleep(50);
    // The mistake and a batch after it, well within the same second as the moment: neither may come back.
    await sql(plane, src.endpoint, ['DELETE FROM batches WHERE n <= 2', 'INSERT INTO batches VALUES (4, 0)']);
    const restored = await plane.createCluster(mysqlCluster('mp-dst', { masterPassword: 'restored-Secret-9', fromPointInTime: { sourceClusterId: 'mp-src', restoreTime: moment } }));
    await plane.createInstance(mysqlInstance('mp-dst-1', 'mp-dst', 'writer'));
    const rows = await sql<{ n: number }>(plane, restored.endpoint, ['SELECT n FROM batches ORDER BY n'], 'restored-Secret-9');
    expect(rows.map((r) => r.n)).toEqual([1, 2, 3]);
    const original = await sql<{ n: number }>(plane, src.endpoint, ['SELECT n FROM batches ORDER BY n']);
    expect(original.map((r) => r.n)).toEqual([3, 4]);
    const event = reporter.events.find((e) => e.code === 'local.pitr.restored');
    expect(event?.data).toMatchObject({ sourceClusterId: 'mp-src', clusterId: 'mp-dst', restoreTime: moment.toISOString(), replayed: expect.any(Number) });
    console.log(`local MariaDB point-in-time restore: ${event?.message} ${JSON.stringify(event?.data)}`);
  });

  test('a restore after a failover reads the promoted writer\'s binlog, which holds the history before it', async () => {
    const src = await plane.createCluster(mysqlCluster('mp-fo'));
    await plane.createInstance(mysqlInstance('mp-fo-1', 'mp-fo', 'writer', 0));
    await plane.createInstance(mysqlInstance('mp-fo-2', 'mp-fo', 'reader', 1));
    await sql(plane, src.endpoint, ['CREATE TABLE notes (v varchar(20))', "INSERT INTO notes VALUES ('before')"]);
    await plane.failover('mp-fo', 'mp-fo-2');
    await sql(plane, src.endpoint, ["INSERT INTO notes VALUES ('after')"]);
    await sleep(50);
    const moment = new Date();
    await sleep(50);
    await sql(plane, src.endpoint, ["INSERT INTO notes VALUES ('late')"]);
    // The old writer goes: only the promoted one's binlog is left to read.
    await plane.deleteInstance('mp-fo-1');
    const restored = await plane.createCluster(mysqlCluster('mp-fo-dst', { fromPointInTime: { sourceClusterId: 'mp-fo', restoreTime: moment } }));
    await plane.createInstance(mysqlInstance('mp-fo-dst-1', 'mp-fo-dst', 'writer'));
    const rows = await sql<{ v: string }>(plane, restored.endpoint, ['SELECT v FROM notes ORDER BY v']);
    expect(rows.map((r) => r.v)).toEqual(['after', 'before']);
    const event = reporter.events.filter((e) => e.code === 'local.pitr.restored').pop();
    expect(event?.data).toMatchObject({ clusterId: 'mp-fo-dst', binlogOf: 'mp-fo-2' });
  });

  test('the base backup and the restored volume go with their clusters', async () => {
    for (const id of ['mp-fo-dst', 'mp-fo', 'mp-dst', 'mp-src']) await plane.deleteCluster(id);
    expect(existsSync(join(baseDir, 'pitr-base', 'mp-src'))).toBe(false);
    expect(existsSync(join(baseDir, 'snapshots', 'pitr--mp-dst'))).toBe(false);
  });
});

describe('point-in-time recovery of a MariaDB cluster whose writer was installed afresh (no template)', () => {
  const baseDir = tempBaseDir();
  const reporter = new MemoryReporter();
  const plane = new LocalDataPlane({ baseDir, reporter, basePort: randomBasePort(), templateDir: false, tlsDir: TLS_DIR, credentials: TEST_CREDENTIALS });
  afterAll(async () => {
    await plane.shutdown({ purge: true });
  });

  test('the base backup is mariadb-backup of the writer, and the replay starts after its GTID position', async () => {
    const src = await plane.createCluster(mysqlCluster('mb-src'));
    await plane.createInstance(mysqlInstance('mb-src-1', 'mb-src', 'writer'));
    await sql(plane, src.endpoint, ['CREATE TABLE t (n int primary key)', 'INSERT INTO t VALUES (1)']);
    // The backup is taken in the background; a restore waits for it.
    await eventually(async () => reporter.events.some((e) => e.code === 'local.pitr.base-backup' && (e.data as { clusterId: string }).clusterId === 'mb-src'), 60_000);
    await sql(plane, src.endpoint, ['INSERT INTO t VALUES (2)']);
    await sleep(50);
    const moment = new Date();
    await sleep(50);
    await sql(plane, src.endpoint, ['INSERT INTO t VALUES (3)']);
    const restored = await plane.createCluster(mysqlCluster('mb-dst', { fromPointInTime: { sourceClusterId: 'mb-src', restoreTime: moment } }));
    await plane.createInstance(mysqlInstance('mb-dst-1', 'mb-dst', 'writer'));
    const rows = await sql<{ n: number }>(plane, restored.endpoint, ['SELECT n FROM t ORDER BY n']);
    expect(rows.map((r) => r.n)).toEqual([1, 2]);
    const backup = reporter.events.find((e) => e.code === 'local.pitr.base-backup' && (e.data as { clusterId: string }).clusterId === 'mb-src');
    expect((backup?.data as { replayAfter: string }).replayAfter).toMatch(/^0-\d+-\d+$/);
  }, 120_000);
});
