/**
 * The local server samples /proc only while there is something to sample: Enhanced Monitoring's timer
 * per instance exists only while the model publishes OS metrics for it (started by the CreateDBInstance
 * or ModifyDBInstance that turns monitoring on, stopped when it is turned off or the instance goes),
 * and DatabaseConnections is counted only while the account has an instance.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionSampler } from '../../src/local/logs/connection-metrics.js';
import { localLogsProvider } from '../../src/local/logs/local-logs.js';
import { monitoredInstances, OsMetricsSampler, type Timers } from '../../src/local/logs/os-metrics-sampler.js';
import { serviceCaller, simCloud } from '../sim/sim-fixture.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'monitoring.rds.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole';

/** Timers a test fires by hand: which exist, at what interval. */
function fakeTimers() {
  const live = new Map<number, { fn: () => void; ms: number }>();
  let next = 0;
  const timers: Timers = {
    set: (fn, ms) => {
      live.set(++next, { fn, ms });
      return next;
    },
    clear: (h) => void live.delete(h as number),
  };
  return { timers, live, fireAll: () => [...live.values()].forEach((t) => t.fn()) };
}

/** A data-plane source that counts how often the sampler looks for server processes. */
function source(pids: Record<string, number | undefined>) {
  const s = { looks: 0, serverPids: () => (s.looks++, pids) };
  return s;
}

describe('Enhanced Monitoring sampler', () => {
  it('holds no timer and reads nothing while no instance is monitored; one timer per monitored instance at its interval', () => {
    const src = source({ i1: process.pid, i2: process.pid });
    const ft = fakeTimers();
    const sampler = new OsMetricsSampler(src, () => 1_000_000, ft.timers);
    sampler.sync([{ instanceId: 'i1', engine: 'aurora-postgresql', resourceId: 'db-1', monitoringInterval: 0 }]);
    expect(ft.live.size).toBe(0);
    expect(sampler.sampling).toEqual([]);
    expect(src.looks).toBe(0);

    sampler.sync([
      { instanceId: 'i1', engine: 'aurora-postgresql', resourceId: 'db-1', monitoringInterval: 5 },
      { instanceId: 'i2', engine: 'aurora-mysql', resourceId: 'db-2', monitoringInterval: 60 },
    ]);
    expect([...ft.live.values()].map((t) => t.ms).sort((a, b) => a - b)).toEqual([5000, 60_000]);
    // The same instances again: the same timers, not new ones.
    const handles = [...ft.live.keys()];
    sampler.sync([
      { instanceId: 'i1', engine: 'aurora-postgresql', resourceId: 'db-1', monitoringInterval: 5 },
      { instanceId: 'i2', engine: 'aurora-mysql', resourceId: 'db-2', monitoringInterval: 60 },
    ]);
    expect([...ft.live.keys()]).toEqual(handles);
    // A changed interval replaces its timer; an instance no longer listed loses its own.
    sampler.sync([{ instanceId: 'i1', engine: 'aurora-postgresql', resourceId: 'db-1', monitoringInterval: 10 }]);
    expect([...ft.live.values()].map((t) => t.ms)).toEqual([10_000]);
    sampler.stop();
    expect(ft.live.size).toBe(0);
  });

  it('takes a sample of the instance\'s server on each tick, which a read of RDSOSMetrics then returns', () => {
    let t = 2_000_000;
    const src = source({ i1: process.pid });
    const ft = fakeTimers();
    const sampler = new OsMetricsSampler(src, () => t, ft.timers);
    const provider = localLogsProvider(src, () => t, sampler);
    sampler.sync([{ instanceId: 'i1', engine: 'aurora-postgresql', resourceId: 'db-1', monitoringInterval: 5 }]);
    ft.fireAll();
    t += 5000;
    ft.fireAll();
    t += 5000;
    ft.fireAll();
    const read = provider({ region: 'us-east-1', logGroupName: 'RDSOSMetrics', streams: ['db-1'], instances: { 'db-1': { instanceId: 'i1', engine: 'aurora-postgresql', resourceId: 'db-1', monitoringInterval: 5 } } }) as Record<string, { timestamp: number; message: string }[]>;
    expect(read['db-1']!.map((e) => e.timestamp)).toEqual([2_000_000, 2_005_000, 2_010_000]);
    expect(JSON.parse(read['db-1']![2]!.message)).toMatchObject({ instanceID: 'i1', instanceResourceID: 'db-1' });
  });

  it('follows the model: started when ModifyDBInstance turns monitoring on, stopped when it is turned off and when the instance is deleted', async () => {
    const { sim, clock, rds } = simCloud();
    const iam = serviceCaller(sim, 'iam');
    const ft = fakeTimers();
    const sampler = new OsMetricsSampler(source({}), () => clock.t, ft.timers);
    const sync = () => sampler.sync(monitoredInstances(sim.toJSON()));
    const settle = async () => {
      for (let n = 0; n < 100; n++) {
        const i = (await rds('DescribeDBInstances', {})).DBInstances as { DBInstanceStatus: string }[];
        if (i.every((x) => x.DBInstanceStatus === 'available')) return;
        clock.t += 60_000;
      }
    };
    const role = await iam('CreateRole', { RoleName: 'mon', AssumeRolePolicyDocument: TRUST });
    await iam('AttachRolePolicy', { RoleName: 'mon', PolicyArn: POLICY });
    await rds('CreateDBCluster', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', MasterUsername: 'u', ManageMasterUserPassword: true });
    await rds('CreateDBInstance', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', DBInstanceIdentifier: 'i1' });
    await settle();
    sync();
    expect(ft.live.size).toBe(0);

    await rds('ModifyDBInstance', { DBInstanceIdentifier: 'i1', MonitoringInterval: 5, MonitoringRoleArn: role.Role.Arn, ApplyImmediately: true });
    await settle();
    sync();
    expect([...ft.live.values()].map((t) => t.ms)).toEqual([5000]);

    await rds('ModifyDBInstance', { DBInstanceIdentifier: 'i1', MonitoringInterval: 0, ApplyImmediately: true });
    await settle();
    sync();
    expect(ft.live.size).toBe(0);

    await rds('ModifyDBInstance', { DBInstanceIdentifier: 'i1', MonitoringInterval: 1, MonitoringRoleArn: role.Role.Arn, ApplyImmediately: true });
    await settle();
    sync();
    expect([...ft.live.values()].map((t) => t.ms)).toEqual([1000]);
    await rds('DeleteDBInstance', { DBInstanceIdentifier: 'i1' });
    for (let n = 0; n < 100 && ((await rds('DescribeDBInstances', {})).DBInstances as unknown[]).length > 0; n++) clock.t += 60_000;
    sync();
    expect(ft.live.size).toBe(0);
  });

  it('does not sample an instance whose role lacks the managed policy (RDS publishes nothing for it)', async () => {
    const { sim, clock, rds } = simCloud();
    const iam = serviceCaller(sim, 'iam');
    const role = await iam('CreateRole', { RoleName: 'mon', AssumeRolePolicyDocument: TRUST });
    await rds('CreateDBCluster', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', MasterUsername: 'u', ManageMasterUserPassword: true });
    await rds('CreateDBInstance', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', DBInstanceIdentifier: 'i1', MonitoringInterval: 5, MonitoringRoleArn: role.Role.Arn });
    clock.t += 3600_000;
    await rds('DescribeDBInstances', {});
    expect(monitoredInstances(sim.toJSON())).toEqual([]);
    await iam('AttachRolePolicy', { RoleName: 'mon', PolicyArn: POLICY });
    expect(monitoredInstances(sim.toJSON()).map((i) => [i.instanceId, i.monitoringInterval])).toEqual([['i1', 5]]);
  });
});

describe('DatabaseConnections sampler', () => {
  let sampler: ConnectionSampler | undefined;
  afterEach(() => sampler?.stop());

  it('runs only while the account has an instance', () => {
    sampler = new ConnectionSampler(source({}), () => undefined);
    sampler.sync(0);
    expect(sampler.running).toBe(false);
    sampler.sync(2);
    expect(sampler.running).toBe(true);
    sampler.sync(1);
    expect(sampler.running).toBe(true);
    sampler.sync(0);
    expect(sampler.running).toBe(false);
  });
});
