/**
 * Serverless v2 auto-pause on the local target: with MinCapacity 0 an idle instance's postgres really
 * stops, CloudWatch reports 0 ACU, and the next connection through an endpoint resumes it.
 */
import {
  CreateDBClusterSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBInstancesCommand,
  RebootDBInstanceCommand,
  waitUntilDBClusterSnapshotAvailable,
  waitUntilDBInstanceAvailable,
} from '@aws-sdk/client-rds';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src/sim/data-plane.js';
import { sdkWaiter } from './daemon-fixture.js';
import { capacityPoints, closeServerlessCluster, connectTo, startServerlessCluster, until, type ServerlessEnv } from './serverless-helpers.js';

const CLUSTER = 'sv-pause';
const INSTANCE = `${CLUSTER}-0`;
// 300 s of AWS time at 0.01 is 3 s.
const TIME_SCALE = 0.01;
const PAUSE_MS = 300 * 1000 * TIME_SCALE;
let env: ServerlessEnv;
let endpoint: Endpoint;

const pidOf = () => env.daemon.dataPlane.serverPids()[INSTANCE];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function paused(): Promise<number> {
  const pid = pidOf();
  return until(async () => (env.daemon.dataPlane.serverless.isPaused(INSTANCE) && pidOf() === undefined ? pid ?? -1 : undefined), 30_000, 'the instance to pause');
}

beforeAll(async () => {
  ({ env, endpoint } = await startServerlessCluster(TIME_SCALE, CLUSTER, { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 300 }));
}, 60_000);

afterAll(() => closeServerlessCluster(env, CLUSTER), 60_000);

describe('Serverless v2 auto-pause on the local target', () => {
  it('stops the idle instance\'s postgres, reports 0 ACU and keeps the instance available', async () => {
    const pid = pidOf();
    expect(pid).toBeDefined();
    await paused();
    expect(alive(pid!)).toBe(false);
    expect(env.daemon.dataPlane.serverless.capacity(INSTANCE)).toBe(0);
    const points = await until(async () => {
      const p = await capacityPoints(env, 'ServerlessDatabaseCapacity', { Name: 'DBClusterIdentifier', Value: CLUSTER });
      return p.at(-1)?.Maximum === 0 && p;
    }, 10_000, 'a 0 ACU datapoint');
    expect(points.at(-1)!.Minimum).toBe(0);
    const described = await env.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: INSTANCE }));
    expect(described.DBInstances![0]!.DBInstanceStatus).toBe('available');
  }, 60_000);

  it('resumes on a connection through the cluster endpoint, which is served, and logs the resume time', async () => {
    await paused();
    const client = await connectTo(env, endpoint, 30_000);
    try {
      const r = await client.query('select aurora_db_instance_identifier() as id');
      expect(r.rows[0].id).toBe(INSTANCE);
    } finally {
      await client.end();
    }
    expect(pidOf()).toBeDefined();
    const resumeMs = env.daemon.dataPlane.serverless.lastResumeMs(INSTANCE);
    expect(resumeMs).toBeGreaterThan(0);
    const log = readFileSync(join(env.controlDir, 'server.log'), 'utf8');
    expect(log).toMatch(new RegExp(`local.serverless.paused Serverless v2 instance ${INSTANCE} paused`));
    expect(log).toMatch(new RegExp(`local.serverless.resumed Serverless v2 instance ${INSTANCE} resumed in ${resumeMs} ms`));
  }, 60_000);

  it('does not pause while a connection is open, and pauses once it closes', async () => {
    await paused();
    const client = await connectTo(env, endpoint, 30_000);
    const pid = pidOf();
    try {
      // Several pause windows of samples with the connection open and idle.
      const since = Date.now();
      const history = () => env.daemon.dataPlane.serverless.capacityHistories().find((h) => h.instanceId === INSTANCE)!.points;
      await until(async () => history().filter((p) => p.at > since + 3 * PAUSE_MS).length > 0, 30_000, 'three pause windows of samples');
      expect(pidOf()).toBe(pid);
      expect(history().filter((p) => p.at > since).every((p) => p.acu > 0)).toBe(true);
      expect((await client.query('select 1 as one')).rows[0].one).toBe(1);
    } finally {
      await client.end();
    }
    await paused();
    expect(alive(pid!)).toBe(false);
  }, 60_000);

  it('reboots and snapshots a paused instance (resuming it first)', async () => {
    await paused();
    await env.rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: INSTANCE }));
    await waitUntilDBInstanceAvailable(sdkWaiter(env.rds, 30), { DBInstanceIdentifier: INSTANCE });
    await paused();
    await env.rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: CLUSTER, DBClusterSnapshotIdentifier: `${CLUSTER}-snap` }));
    await waitUntilDBClusterSnapshotAvailable(sdkWaiter(env.rds, 30), { DBClusterSnapshotIdentifier: `${CLUSTER}-snap` });
    await env.rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: `${CLUSTER}-snap` }));
    // And it pauses again afterwards: the deletion in afterAll finds a paused instance.
    await paused();
  }, 90_000);
});
