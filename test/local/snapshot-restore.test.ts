import { afterAll, describe, expect, test } from 'vitest';
import { clusterSpec, connect, instanceSpec, newPlane, queryOne } from './local-plane-helpers.js';

describe('snapshots of a local cluster', () => {
  const { plane } = newPlane();
  afterAll(async () => {
    await plane.shutdown({ purge: true });
  });

  test('a cluster snapshot restored into a new cluster keeps the data and takes the new master password', async () => {
    const src = await plane.createCluster(clusterSpec('snap-src'));
    await plane.createInstance(instanceSpec('snap-src-1', 'snap-src', 'writer'));
    const w = await connect(plane, src.endpoint);
    await w.query('CREATE TABLE kept (v text)');
    await w.query("INSERT INTO kept VALUES ('before the snapshot')");
    await w.end();

    await plane.createSnapshot('cluster', 'snap-src', 'snap-1');
    // Written after the snapshot: must not be in the restored cluster.
    const w2 = await connect(plane, src.endpoint);
    await w2.query("INSERT INTO kept VALUES ('after the snapshot')");
    await w2.end();

    const restored = await plane.createCluster(
      clusterSpec('snap-dst', { masterPassword: 'restored-Secret-9', fromSnapshot: { snapshotId: 'snap-1', kind: 'cluster' } }),
    );
    await plane.createInstance(instanceSpec('snap-dst-1', 'snap-dst', 'writer'));
    await plane.createInstance(instanceSpec('snap-dst-2', 'snap-dst', 'reader'));

    const c = await connect(plane, restored.endpoint, { password: 'restored-Secret-9' });
    try {
      const { rows } = await c.query<{ v: string }>('SELECT v FROM kept ORDER BY v');
      expect(rows.map((r) => r.v)).toEqual(['before the snapshot']);
      const role = await c.query('SELECT aurora_db_instance_identifier() AS id, pg_is_in_recovery() AS standby');
      expect(role.rows[0]).toEqual({ id: 'snap-dst-1', standby: false });
      // The restored cluster is its own primary: a write there does not reach the source.
      await c.query("INSERT INTO kept VALUES ('only in the restored cluster')");
    } finally {
      await c.end();
    }
    await expect(connect(plane, restored.endpoint)).rejects.toMatchObject({ code: '28P01' });
    const onSource = await queryOne<{ n: number }>(plane, src.endpoint,
      "SELECT count(*)::int AS n FROM kept WHERE v = 'only in the restored cluster'");
    expect(onSource.n).toBe(0);
    const reader = await connect(plane, restored.readerEndpoint, { password: 'restored-Secret-9' });
    try {
      const r = await reader.query('SELECT aurora_db_instance_identifier() AS id, pg_is_in_recovery() AS standby');
      expect(r.rows[0]).toEqual({ id: 'snap-dst-2', standby: true });
    } finally {
      await reader.end();
    }
  });

  test('restoring from a snapshot that does not exist fails with a local-target error', async () => {
    await plane.createCluster(clusterSpec('ghost', { fromSnapshot: { snapshotId: 'no-such', kind: 'cluster' } }));
    await expect(plane.createInstance(instanceSpec('ghost-1', 'ghost', 'writer'))).rejects.toMatchObject({
      code: 'LOCAL_NOT_FOUND',
    });
  });

  test('a deleted snapshot can no longer be restored', async () => {
    await plane.deleteSnapshot('snap-1');
    await plane.createCluster(clusterSpec('gone', { fromSnapshot: { snapshotId: 'snap-1', kind: 'cluster' } }));
    await expect(plane.createInstance(instanceSpec('gone-1', 'gone', 'writer'))).rejects.toMatchObject({
      code: 'LOCAL_NOT_FOUND',
    });
  });
});
