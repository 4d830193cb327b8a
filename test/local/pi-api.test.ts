/**
 * Performance Insights on the local server, through the real RDS and PI clients: the load comes from
 * pg_stat_statements and pg_stat_activity of real PostgreSQL instances.
 */
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  waitUntilDBInstanceAvailable,
} from '@aws-sdk/client-rds';
import { DescribeDimensionKeysCommand, GetResourceMetricsCommand, PIClient, type DimensionKeyDescription } from '@aws-sdk/client-pi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorName, sdkWaiter, startLocalDaemon, type LocalDaemon } from './daemon-fixture.js';
import type { Endpoint } from '../../src/sim/data-plane.js';
import { connect, eventually, PASSWORD } from './local-plane-helpers.js';

const REGION = 'us-east-1';
let local: LocalDaemon;
let rds: RDSClient;
let pi: PIClient;
const SLOW = 'select pg_sleep($1) is not null as slept';
const FAST = 'select count(*)::int as n from generate_series(1, $1::int) g';

async function cluster(id: string, instances: { id: string; pi: boolean }[], clusterPi = false): Promise<{ writer: Endpoint; reader: Endpoint }> {
  const out = await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: id, Engine: 'aurora-postgresql', MasterUsername: 'labadmin', MasterUserPassword: PASSWORD, DatabaseName: 'labdb', EnablePerformanceInsights: clusterPi || undefined }));
  for (const [n, i] of instances.entries()) {
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: i.id, DBClusterIdentifier: id, Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', PromotionTier: n, EnablePerformanceInsights: i.pi }));
    await waitUntilDBInstanceAvailable(sdkWaiter(rds), { DBInstanceIdentifier: i.id });
  }
  const port = out.DBCluster!.Port!;
  return { writer: { address: out.DBCluster!.Endpoint!, port }, reader: { address: out.DBCluster!.ReaderEndpoint!, port } };
}

async function resourceId(instanceId: string): Promise<string> {
  const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: instanceId }));
  return out.DBInstances![0]!.DbiResourceId!;
}

/** One session sleeps `slowSeconds` while another runs `fastCount` quick statements. */
async function workload(endpoint: Endpoint, slowSeconds: number, fastCount: number): Promise<void> {
  const [slow, fast] = await Promise.all([connect(local.daemon.dataPlane, endpoint), connect(local.daemon.dataPlane, endpoint)]);
  try {
    await Promise.all([
      slow.query(SLOW, [slowSeconds]),
      (async () => {
        for (let n = 0; n < fastCount; n++) await fast.query(FAST, [100]);
      })(),
    ]);
  } finally {
    await Promise.all([slow.end(), fast.end()]);
  }
}

function window(identifier: string) {
  return { ServiceType: 'RDS' as const, Identifier: identifier, StartTime: new Date(Date.now() - 600_000), EndTime: new Date() };
}

async function topKeys(identifier: string): Promise<DimensionKeyDescription[]> {
  const out = await pi.send(new DescribeDimensionKeysCommand({ ...window(identifier), Metric: 'db.load.avg', GroupBy: { Group: 'db.sql_tokenized', Limit: 10 }, PeriodInSeconds: 1 }));
  return out.Keys ?? [];
}

const statementOf = (k: DimensionKeyDescription | undefined) => k?.Dimensions?.['db.sql_tokenized.statement'] ?? '';

beforeAll(async () => {
  local = await startLocalDaemon('pi');
  rds = local.client(RDSClient, REGION);
  pi = local.client(PIClient, REGION);
}, 60_000);

afterAll(() => local?.close(), 60_000);

describe('Performance Insights on the local target', () => {
  it('ranks one slow statement above many fast ones, and gives db.load.avg over time and per statement', async () => {
    const { writer } = await cluster('pi-top', [{ id: 'pi-top-0', pi: true }]);
    const id = await resourceId('pi-top-0');
    await workload(writer, 2, 300);

    const keys = await eventually(async () => {
      const k = await topKeys(id);
      return statementOf(k[0]).includes('pg_sleep') && k.some((x) => statementOf(x).includes('generate_series')) ? k : undefined;
    }, 10_000);
    expect(statementOf(keys[0])).toBe(SLOW);
    expect(keys[0]!.Dimensions).toEqual({
      'db.sql_tokenized.id': expect.stringMatching(/^[0-9A-F]{40}$/),
      'db.sql_tokenized.statement': SLOW,
      'db.sql_tokenized.db_id': expect.stringMatching(/^pi-\d+$/),
    });
    // Normalized: the literal 1 becomes a parameter too.
    const fast = keys.find((k) => /^select count\(\*\)::int as n from generate_series\(\$\d, \$\d::int\) g$/.test(statementOf(k)));
    expect(fast).toBeDefined();
    expect(keys[0]!.Total!).toBeGreaterThan(fast!.Total!);
    // The admin's and the sampler's own statements are not the workload's.
    expect(keys.map(statementOf).join('\n')).not.toMatch(/pg_stat_statements|pg_stat_activity|aurora_db_instance_identifier/);

    const out = await pi.send(new GetResourceMetricsCommand({
      ...window(id),
      MetricQueries: [{ Metric: 'db.load.avg', GroupBy: { Group: 'db.sql_tokenized', Limit: 5 } }],
      PeriodInSeconds: 1,
    }));
    expect(out.Identifier).toBe(id);
    expect(out.AlignedStartTime!.getTime() % 1000).toBe(0);
    const [total, ...perStatement] = out.MetricList!;
    expect(total!.Key).toEqual({ Metric: 'db.load.avg' });
    // A 2 s sleep is booked while it runs: about one active session in each of the seconds it ran,
    // not all of it in the second it ended.
    const busySeconds = total!.DataPoints!.filter((p) => p.Value! >= 0.5).length;
    expect(busySeconds).toBeGreaterThanOrEqual(2);
    expect(Math.max(...total!.DataPoints!.map((p) => p.Value!))).toBeLessThan(2.5);
    const sleep = perStatement.find((m) => m.Key!.Dimensions!['db.sql_tokenized.statement'] === SLOW)!;
    expect(sleep.DataPoints!.map((p) => p.Timestamp!.getTime())).toEqual(total!.DataPoints!.map((p) => p.Timestamp!.getTime()));
    // One session slept: never more than one active session on it, and at least one through two seconds.
    expect(Math.max(...sleep.DataPoints!.map((p) => p.Value!))).toBeLessThan(1.2);
    expect(sleep.DataPoints!.filter((p) => p.Value! >= 0.5).length).toBeGreaterThanOrEqual(2);

    // db.wait_event from pg_stat_activity: the sleeping session waits on Timeout:PgSleep, as PI names it.
    const waits = await pi.send(new DescribeDimensionKeysCommand({ ...window(id), Metric: 'db.load.avg', GroupBy: { Group: 'db.wait_event', Limit: 10 }, PeriodInSeconds: 1 }));
    expect(waits.Keys![0]!.Dimensions).toEqual({ 'db.wait_event.type': 'Timeout', 'db.wait_event.name': 'Timeout:PgSleep' });
    expect(waits.Keys![0]!.Total!).toBeGreaterThan(0.5 * keys[0]!.Total!);
    const types = await pi.send(new DescribeDimensionKeysCommand({ ...window(id), Metric: 'db.load.avg', GroupBy: { Group: 'db.wait_event_type' }, PeriodInSeconds: 1 }));
    expect(types.Keys![0]!.Dimensions).toEqual({ 'db.wait_event_type.name': 'Timeout' });
  }, 60_000);

  it('refuses an instance without Performance Insights, and starts collecting once ModifyDBInstance switches it on', async () => {
    const { writer } = await cluster('pi-late', [{ id: 'pi-late-0', pi: false }]);
    const id = await resourceId('pi-late-0');
    expect(await errorName(topKeys(id))).toBe('InvalidArgumentException');
    expect(await errorName(pi.send(new GetResourceMetricsCommand({ ...window(id), MetricQueries: [{ Metric: 'db.load.avg' }] })))).toBe('InvalidArgumentException');
    // Load from before PI was on is not counted.
    await workload(writer, 2, 10);

    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'pi-late-0', EnablePerformanceInsights: true, ApplyImmediately: true }));
    await waitUntilDBInstanceAvailable(sdkWaiter(rds), { DBInstanceIdentifier: 'pi-late-0' });
    expect(await topKeys(id)).toEqual([]);
    await workload(writer, 1, 20);
    const keys = await eventually(async () => {
      const k = await topKeys(id);
      return statementOf(k[0]).includes('pg_sleep') ? k : undefined;
    }, 10_000);
    expect(keys[0]!.Total!).toBeGreaterThan(0);
    // Only the second sleep counts: the first one's 2 s, had they been counted when PI came on, would
    // show as more than one session in a second where only one session ever sleeps.
    const sleep = (await pi.send(new GetResourceMetricsCommand({
      ...window(id),
      MetricQueries: [{ Metric: 'db.load.avg', GroupBy: { Group: 'db.sql_tokenized', Limit: 1 } }],
      PeriodInSeconds: 1,
    }))).MetricList![1]!;
    expect(sleep.Key!.Dimensions!['db.sql_tokenized.statement']).toBe(SLOW);
    expect(Math.max(...sleep.DataPoints!.map((p) => p.Value!))).toBeLessThan(1.2);

    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'pi-late-0', EnablePerformanceInsights: false, ApplyImmediately: true }));
    await waitUntilDBInstanceAvailable(sdkWaiter(rds), { DBInstanceIdentifier: 'pi-late-0' });
    expect(await errorName(topKeys(id))).toBe('InvalidArgumentException');
    expect(local.daemon.dataPlane.piSampler(id)).toBeUndefined();
  }, 60_000);

  it('switched on for a cluster, samples each instance on its own: a reader shows the statements run on it', async () => {
    const { reader } = await cluster('pi-cl', [{ id: 'pi-cl-0', pi: false }, { id: 'pi-cl-1', pi: false }]);
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'pi-cl', EnablePerformanceInsights: true, ApplyImmediately: true }));
    const [writerId, readerId] = [await resourceId('pi-cl-0'), await resourceId('pi-cl-1')];
    await eventually(async () => local.daemon.dataPlane.piSampler(writerId) && local.daemon.dataPlane.piSampler(readerId), 10_000);
    await workload(reader, 1, 20);
    const keys = await eventually(async () => {
      const k = await topKeys(readerId);
      return statementOf(k[0]).includes('pg_sleep') ? k : undefined;
    }, 10_000);
    expect(statementOf(keys[0])).toBe(SLOW);
    expect((await topKeys(writerId)).map(statementOf)).not.toContain(SLOW);
  }, 60_000);
});
