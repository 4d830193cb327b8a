/**
 * Deleting instances of a cluster in the local data plane: a writer deleted together with all its
 * readers (a teardown) fails nothing over; a writer deleted with only some of them fails over to one
 * that stays.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { isAlive } from '../../src/local/core/process-registry.js';
import { clusterSpec, instanceSpec, newPlane, queryOne } from './local-plane-helpers.js';

const ROLE_SQL = 'SELECT aurora_db_instance_identifier() AS id, pg_is_in_recovery() AS standby';

async function threeInstances(plane: ReturnType<typeof newPlane>['plane'], id: string) {
  const endpoints = await plane.createCluster(clusterSpec(id));
  await plane.createInstance(instanceSpec(`${id}-0`, id, 'writer', 0));
  await Promise.all([
    plane.createInstance(instanceSpec(`${id}-1`, id, 'reader', 1)),
    plane.createInstance(instanceSpec(`${id}-2`, id, 'reader', 2)),
  ]);
  return endpoints;
}

describe('deleting the instances of a local cluster', () => {
  const { plane, reporter } = newPlane();
  afterAll(async () => {
    await plane.shutdown({ purge: true });
  });

  test('readers built together both stream from the writer', async () => {
    await threeInstances(plane, 'td');
    for (const id of ['td-1', 'td-2']) {
      expect(await queryOne(plane, plane.instanceEndpoint(id), ROLE_SQL)).toEqual({ id, standby: true });
    }
    expect(plane.writerOf('td')).toBe('td-0');
  });

  test('deleting the writer and every reader at once fails nothing over and stops every process', async () => {
    const pids = Object.values(plane.serverPids()).filter((p): p is number => p !== undefined);
    expect(pids).toHaveLength(3);
    await Promise.all(['td-0', 'td-1', 'td-2'].map((id) => plane.deleteInstance(id)));
    expect(plane.lastFailover).toBeUndefined();
    expect(reporter.events.some((e) => e.code === 'local.failover')).toBe(false);
    expect(reporter.events.some((e) => e.code === 'local.writer.deleted')).toBe(true);
    expect(plane.writerOf('td')).toBeUndefined();
    expect(plane.serverPids()).toEqual({});
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    await plane.deleteCluster('td');
  });

  test('deleting the writer with one of two readers fails over to the reader that stays', async () => {
    const { endpoint } = await threeInstances(plane, 'tp');
    // tp-1 has the better tier, but it is going too.
    await Promise.all([plane.deleteInstance('tp-0'), plane.deleteInstance('tp-1')]);
    expect(plane.writerOf('tp')).toBe('tp-2');
    expect(plane.lastFailover).toMatchObject({ clusterId: 'tp', from: 'tp-0', to: 'tp-2', rejoinedBy: 'none' });
    expect(await queryOne(plane, endpoint, ROLE_SQL)).toEqual({ id: 'tp-2', standby: false });
    expect(Object.keys(plane.serverPids())).toEqual(['tp-2']);
    await plane.deleteInstance('tp-2');
    await plane.deleteCluster('tp');
  });
});
