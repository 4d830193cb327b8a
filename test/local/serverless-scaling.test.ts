/**
 * Serverless v2 capacity on the local target, through the real RDS and CloudWatch clients: it follows
 * the real load of the instance's PostgreSQL processes.
 */
import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src/sim/data-plane.js';
import { capacityPoints, closeServerlessCluster, connectTo, startServerlessCluster, until, type ServerlessEnv } from './serverless-helpers.js';

const CLUSTER = 'sv-scale';
const INSTANCE = `${CLUSTER}-0`;
let env: ServerlessEnv;
let endpoint: Endpoint;

/** A statement that keeps one core busy for `seconds`. */
const BURN = "with recursive t (n) as (select 1 union all select n + 1 from t where clock_timestamp() < statement_timestamp() + make_interval(secs => $1)) select count(*)::bigint as n from t";

beforeAll(async () => {
  ({ env, endpoint } = await startServerlessCluster(0.01, CLUSTER, { MinCapacity: 0.5, MaxCapacity: 8 }));
}, 60_000);

afterAll(() => closeServerlessCluster(env, CLUSTER), 60_000);

describe('Serverless v2 capacity on the local target', () => {
  it('rises above MinCapacity while several sessions run CPU-bound SQL, and falls back after', async () => {
    const scaler = env.daemon.dataPlane.serverless;
    await until(async () => scaler.capacity(INSTANCE) === 0.5, 10_000, 'the idle instance at MinCapacity');
    const sessions = await Promise.all([1, 2, 3].map(() => connectTo(env, endpoint)));
    const load = Promise.all(sessions.map((c) => c.query(BURN, [6])));
    try {
      const risen = await until(async () => {
        const points = await capacityPoints(env, 'ServerlessDatabaseCapacity', { Name: 'DBClusterIdentifier', Value: CLUSTER });
        return points.some((p) => p.Maximum! > 0.5) && points;
      }, 20_000, 'capacity above MinCapacity');
      const peak = Math.max(...risen.map((p) => p.Maximum!));
      expect(peak).toBeLessThanOrEqual(8);
      expect(peak * 2).toBe(Math.round(peak * 2));
    } finally {
      await load.catch(() => undefined);
      await Promise.all(sessions.map((c) => c.end()));
    }
    // Idle again: the newest one-second datapoint comes back to MinCapacity, never below it.
    const after = await until(async () => {
      const points = await capacityPoints(env, 'ServerlessDatabaseCapacity', { Name: 'DBInstanceIdentifier', Value: INSTANCE });
      return points.at(-1)?.Maximum === 0.5 && points;
    }, 30_000, 'capacity back at MinCapacity');
    expect(Math.min(...after.map((p) => p.Minimum!))).toBe(0.5);
  }, 90_000);

  it('answers each statistic of a period from its samples, and ACUUtilization is capacity over MaxCapacity', async () => {
    const dim = { Name: 'DBInstanceIdentifier' as const, Value: INSTANCE };
    const capacity = await capacityPoints(env, 'ServerlessDatabaseCapacity', dim, 60);
    const utilization = await capacityPoints(env, 'ACUUtilization', dim, 60);
    expect(capacity.length).toBeGreaterThan(0);
    for (const p of capacity) {
      expect(p.Minimum!).toBeLessThanOrEqual(p.Average!);
      expect(p.Average!).toBeLessThanOrEqual(p.Maximum!);
      expect(p.Sum!).toBeCloseTo(p.Average! * p.SampleCount!, 1);
      const u = utilization.find((x) => x.Timestamp!.getTime() === p.Timestamp!.getTime());
      expect(u?.Maximum).toBeCloseTo((p.Maximum! / 8) * 100, 1);
      expect(u?.Minimum).toBeCloseTo((p.Minimum! / 8) * 100, 1);
    }
    // The load of the first test spread capacity over several values within a minute.
    expect(capacity.some((p) => p.Maximum! > p.Minimum!)).toBe(true);

    const data = await env.cloudwatch.send(new GetMetricDataCommand({
      StartTime: new Date(Date.now() - 600_000),
      EndTime: new Date(Date.now() + 60_000),
      MetricDataQueries: ['Maximum', 'Minimum'].map((stat) => ({
        Id: stat.toLowerCase(),
        MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'ServerlessDatabaseCapacity', Dimensions: [{ Name: 'DBClusterIdentifier', Value: CLUSTER }] }, Period: 60, Stat: stat },
      })),
    }));
    const [max, min] = data.MetricDataResults!;
    // Newest first, as GetMetricData returns by default.
    const times = max!.Timestamps!.map((t) => t.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(max!.Values!.length).toBe(min!.Values!.length);
    max!.Values!.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(min!.Values![i]!));
  });

  it('reports no datapoints for a cluster that has no Serverless v2 instance', async () => {
    const points = await capacityPoints(env, 'ServerlessDatabaseCapacity', { Name: 'DBClusterIdentifier', Value: 'no-such-cluster' });
    expect(points).toEqual([]);
  });
});
