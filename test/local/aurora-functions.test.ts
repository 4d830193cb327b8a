import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Endpoint } from '../../src/sim/data-plane.js';
import { clusterSpec, eventually, instanceSpec, newPlane, queryOne, connect } from './local-plane-helpers.js';

/** The topology query of the AWS Advanced JDBC / Python / Go wrappers' Aurora PostgreSQL dialects. */
const DRIVER_TOPOLOGY_QUERY = `SELECT SERVER_ID, CASE WHEN SESSION_ID OPERATOR(pg_catalog.=) 'MASTER_SESSION_ID' THEN TRUE ELSE FALSE END AS is_writer,
  CPU, COALESCE(REPLICA_LAG_IN_MSEC, 0) AS lag, LAST_UPDATE_TIMESTAMP
  FROM pg_catalog.aurora_replica_status()
  WHERE EXTRACT(EPOCH FROM(pg_catalog.NOW() OPERATOR(pg_catalog.-) LAST_UPDATE_TIMESTAMP)) OPERATOR(pg_catalog.<=) 300
  OR SESSION_ID OPERATOR(pg_catalog.=) 'MASTER_SESSION_ID' OR LAST_UPDATE_TIMESTAMP IS NULL`;

interface TopologyRow {
  server_id: string;
  is_writer: boolean;
  lag: number;
  last_update_timestamp: Date | null;
}

const IDS = ['fn-1', 'fn-2', 'fn-3'];

describe("Aurora PostgreSQL's own SQL functions on a local cluster", () => {
  const { plane } = newPlane();
  let endpoint: Endpoint;

  beforeAll(async () => {
    ({ endpoint } = await plane.createCluster(clusterSpec('fn')));
    await plane.createInstance(instanceSpec('fn-1', 'fn', 'writer', 0));
    await Promise.all([plane.createInstance(instanceSpec('fn-2', 'fn', 'reader', 1)), plane.createInstance(instanceSpec('fn-3', 'fn', 'reader', 2))]);
  });
  afterAll(async () => {
    await plane.shutdown({ purge: true });
  });

  /**
   * The driver's view from one instance, once it lists all three with `writer` and every other instance
   * has an update time (the data plane writes the membership, and measures a new reader once it streams,
   * asynchronously).
   */
  async function topologyFrom(instanceId: string, writer: string): Promise<TopologyRow[]> {
    return eventually(async () => {
      const c = await connect(plane, plane.instanceEndpoint(instanceId));
      try {
        const rows = (await c.query<TopologyRow>(DRIVER_TOPOLOGY_QUERY)).rows;
        const ids = rows.map((r) => r.server_id).sort();
        const measured = rows.every((r) => r.server_id === instanceId || r.last_update_timestamp !== null);
        return ids.join() === IDS.join() && rows.find((r) => r.is_writer)?.server_id === writer && measured ? rows : undefined;
      } finally {
        await c.end();
      }
    }, 40_000); // past the data plane's 30 s re-measure of the other readers' rows
  }

  test("aurora_version() is major.minor.patch of the PostgreSQL that runs", async () => {
    const row = await queryOne<{ v: string; num: string }>(plane, endpoint, "SELECT aurora_version() AS v, current_setting('server_version_num') AS num");
    const num = Number(row.num);
    expect(row.v).toBe(`${Math.floor(num / 10000)}.${num % 100}.0`);
  });

  test('aurora_db_instance_identifier() is in pg_catalog, where the AWS drivers call it', async () => {
    for (const id of IDS) {
      const row = await queryOne<{ id: string }>(plane, plane.instanceEndpoint(id), 'SELECT pg_catalog.aurora_db_instance_identifier() AS id');
      expect(row.id).toBe(id);
    }
  });

  test("the drivers' topology query returns the writer with MASTER_SESSION_ID and each reader, on every instance", async () => {
    for (const id of IDS) {
      const rows = await topologyFrom(id, 'fn-1');
      expect(rows.filter((r) => r.is_writer).map((r) => r.server_id)).toEqual(['fn-1']);
      // As on Aurora 13.9+: the answering instance's own update time is NULL, the others' are set.
      for (const r of rows) expect(r.last_update_timestamp === null).toBe(r.server_id === id);
      for (const r of rows) expect(r.lag).toBeGreaterThanOrEqual(0);
    }
  }, 150_000);

  test("each reader's session_id is a UUID of its own, and the writer's lag is NULL", async () => {
    const c = await connect(plane, endpoint);
    try {
      const rows = (await c.query<{ server_id: string; session_id: string; replica_lag_in_msec: number | null }>(
        'SELECT server_id, session_id, replica_lag_in_msec FROM aurora_replica_status() ORDER BY server_id')).rows;
      expect(rows.map((r) => r.server_id)).toEqual(IDS);
      expect(rows[0]).toMatchObject({ session_id: 'MASTER_SESSION_ID', replica_lag_in_msec: null });
      const sessions = rows.slice(1).map((r) => r.session_id);
      for (const s of sessions) expect(s).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(new Set(sessions).size).toBe(2);
    } finally {
      await c.end();
    }
  });

  test('after a failover every instance reports the new writer', async () => {
    await plane.failover('fn', 'fn-3');
    for (const id of IDS) {
      const rows = await topologyFrom(id, 'fn-3');
      expect(rows.filter((r) => r.is_writer).map((r) => r.server_id)).toEqual(['fn-3']);
    }
  });
});
