import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, test } from 'vitest';
import { walArchiveDirFor } from '../../src/local/engines/postgres/pg-server.js';
import { clusterSpec, connect, instanceSpec, newPlane, queryOne } from './local-plane-helpers.js';

describe('point-in-time recovery of a local cluster', () => {
  const { plane, baseDir, reporter } = newPlane();
  afterAll(async () => {
    await plane.shutdown({ purge: true });
  });

  test('a restore to a moment brings back every transaction committed by then and none after, into a new cluster', async () => {
    const src = await plane.createCluster(clusterSpec('pitr-src'));
    await plane.createInstance(instanceSpec('pitr-src-1', 'pitr-src', 'writer'));
    const w = await connect(plane, src.endpoint);
    let moment: Date;
    try {
      await w.query('CREATE TABLE batches (n int primary key, committed_at timestamptz not null)');
      for (const n of [1, 2, 3]) await w.query('INSERT INTO batches VALUES ($1, clock_timestamp())', [n]);
      await sleep(50);
      moment = new Date();
      await sleep(50);
      // The mistake, and a batch after it: neither may come back.
      await w.query('DELETE FROM batches WHERE n <= 2');
      await w.query('INSERT INTO batches VALUES (4, clock_timestamp())');
    } finally {
      await w.end();
    }
    const started = Date.now();
    const restored = await plane.createCluster(clusterSpec('pitr-dst', { masterPassword: 'restored-Secret-9', fromPointInTime: { sourceClusterId: 'pitr-src', restoreTime: moment } }));
    const restoreMs = Date.now() - started;
    await plane.createInstance(instanceSpec('pitr-dst-1', 'pitr-dst', 'writer'));
    const r = await connect(plane, restored.endpoint, { password: 'restored-Secret-9' });
    try {
      const rows = await r.query<{ ns: number[] }>('SELECT array_agg(n ORDER BY n) AS ns FROM batches');
      expect(rows.rows[0]!.ns).toEqual([1, 2, 3]);
      // The restored cluster is a primary of its own; the original still has its mistake.
      const role = await r.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
      expect(role.rows[0]!.standby).toBe(false);
    } finally {
      await r.end();
    }
    const original = await queryOne<{ ns: number[] }>(plane, src.endpoint, 'SELECT array_agg(n ORDER BY n) AS ns FROM batches');
    expect(original.ns).toEqual([3, 4]);
    const event = reporter.events.find((e) => e.code === 'local.pitr.restored');
    expect(event?.data).toMatchObject({ sourceClusterId: 'pitr-src', clusterId: 'pitr-dst', restoreTime: moment.toISOString() });
    console.log(`local point-in-time restore: ${restoreMs} ms (${event?.message})`);
  });

  test('the archive fills while a cluster lives and goes with the cluster', async () => {
    const archive = walArchiveDirFor(baseDir, 'pitr-src');
    expect(readdirSync(archive).some((f) => /^[0-9A-F]{24}$/.test(f))).toBe(true);
    await plane.deleteCluster('pitr-dst');
    await plane.deleteCluster('pitr-src');
    expect(existsSync(archive)).toBe(false);
    expect(existsSync(join(baseDir, 'pitr-base', 'pitr-src'))).toBe(false);
    expect(existsSync(join(baseDir, 'snapshots', 'pitr--pitr-dst'))).toBe(false);
  });

  test('a moment before the source had a backup is refused with a local-target error', async () => {
    const before = new Date();
    await plane.createCluster(clusterSpec('pitr-late'));
    await plane.createInstance(instanceSpec('pitr-late-1', 'pitr-late', 'writer'));
    await expect(plane.createCluster(clusterSpec('pitr-early', { fromPointInTime: { sourceClusterId: 'pitr-late', restoreTime: before } }))).rejects.toMatchObject({ code: 'LOCAL_PITR' });
    await expect(plane.createCluster(clusterSpec('pitr-none', { fromPointInTime: { sourceClusterId: 'no-such', restoreTime: new Date() } }))).rejects.toMatchObject({ code: 'LOCAL_PITR' });
  });

  test('a restore after a failover follows the promoted writer onto its new timeline', async () => {
    const src = await plane.createCluster(clusterSpec('pitr-fo'));
    await plane.createInstance(instanceSpec('pitr-fo-1', 'pitr-fo', 'writer', 0));
    await plane.createInstance(instanceSpec('pitr-fo-2', 'pitr-fo', 'reader', 1));
    const write = async (v: string) => {
      const c = await connect(plane, src.endpoint);
      try {
        await c.query('CREATE TABLE IF NOT EXISTS notes (v text)');
        await c.query('INSERT INTO notes VALUES ($1)', [v]);
      } finally {
        await c.end();
      }
    };
    await write('on the first writer');
    await plane.failover('pitr-fo', 'pitr-fo-2');
    await write('on the promoted writer');
    await sleep(50);
    const moment = new Date();
    await sleep(50);
    await write('after the moment');
    const restored = await plane.createCluster(clusterSpec('pitr-fo-r', { fromPointInTime: { sourceClusterId: 'pitr-fo', restoreTime: moment } }));
    await plane.createInstance(instanceSpec('pitr-fo-r-1', 'pitr-fo-r', 'writer'));
    const rows = await queryOne<{ vs: string[] }>(plane, restored.endpoint, 'SELECT array_agg(v ORDER BY v) AS vs FROM notes');
    expect(rows.vs).toEqual(['on the first writer', 'on the promoted writer']);
  });
});
