/** The capacity rules of a local Serverless v2 instance and the CloudWatch statistics made from them. */
import { describe, expect, it } from 'vitest';
import { busyCoresBetween, CapacityGauge, demandAcu } from '../../src/local/serverless/serverless-capacity.js';
import { capacitySeries } from '../../src/local/serverless/serverless-metrics.js';

const range = { minCapacity: 1, maxCapacity: 8 };

describe('Serverless v2 capacity', () => {
  it('counts a busy core as 4 ACU and a running statement as 0.5, rounded up to 0.5 ACU', () => {
    expect(demandAcu({ busyCores: 0, activeSessions: 0 })).toBe(0);
    expect(demandAcu({ busyCores: 1, activeSessions: 1 })).toBe(4.5);
    expect(demandAcu({ busyCores: 0.3, activeSessions: 0 })).toBe(1.5);
  });

  it('rises to the demand at once, within MaxCapacity', () => {
    const g = new CapacityGauge(range, 1);
    expect(g.acu).toBe(1);
    expect(g.update({ busyCores: 1, activeSessions: 2 }, 1000)).toBe(5);
    expect(g.update({ busyCores: 2, activeSessions: 4 }, 1500)).toBe(8);
  });

  it('falls 0.5 ACU per scaled step, never below MinCapacity', () => {
    const g = new CapacityGauge(range, 0.01); // a step every 100 ms
    g.update({ busyCores: 2, activeSessions: 4 }, 0);
    expect(g.update({ busyCores: 0, activeSessions: 0 }, 50)).toBe(8);
    expect(g.update({ busyCores: 0, activeSessions: 0 }, 350)).toBe(6.5);
    expect(g.update({ busyCores: 0, activeSessions: 0 }, 10_000)).toBe(1);
  });

  it('keeps a running instance at 0.5 ACU or more when MinCapacity is 0', () => {
    const g = new CapacityGauge({ minCapacity: 0, maxCapacity: 4, secondsUntilAutoPause: 300 }, 1);
    expect(g.update({ busyCores: 0, activeSessions: 0 }, 0)).toBe(0.5);
  });

  it('measures busy cores from CPU ticks, counting a new process whole', () => {
    const before = new Map([[10, 100]]);
    const after = new Map([[10, 150], [11, 50]]);
    expect(busyCoresBetween(before, after, 1000)).toBe(1);
  });

  it('gives every statistic of each period, for an instance or for its cluster', () => {
    const histories = [
      { instanceId: 'a-0', clusterId: 'a', region: 'r', maxCapacity: 8, points: [{ at: 60_000, acu: 1 }, { at: 70_000, acu: 4 }, { at: 125_000, acu: 2 }] },
      { instanceId: 'a-1', clusterId: 'a', region: 'r', maxCapacity: 8, points: [{ at: 61_000, acu: 8 }] },
    ];
    const q = { region: 'r', namespace: 'AWS/RDS', start: new Date(0), end: new Date(200_000), periodSeconds: 60, stat: 'Minimum' };
    const cluster = capacitySeries(histories, { ...q, metricName: 'ServerlessDatabaseCapacity', dimensions: { DBClusterIdentifier: 'a' } });
    expect(cluster.timestamps.map((t) => t.getTime())).toEqual([60_000, 120_000]);
    expect(cluster.values).toEqual([1, 2]);
    expect(cluster.statistics![0]).toEqual({ Maximum: 8, Minimum: 1, Average: 4.333, Sum: 13, SampleCount: 3 });
    const one = capacitySeries(histories, { ...q, stat: 'Maximum', metricName: 'ACUUtilization', dimensions: { DBInstanceIdentifier: 'a-0' } });
    expect(one.values).toEqual([50, 25]);
  });
});
