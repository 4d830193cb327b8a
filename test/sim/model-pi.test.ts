/**
 * The dry run's Performance Insights: the load it synthesizes grouped by statement and by wait, in
 * the shapes the PI API's own schema gives, with the waits PI names for each engine.
 */
import { describe, expect, it } from 'vitest';
import { checkValue, operationSchema, type InputIssue } from '../../src/sim/shapes.js';
import { code, simCloud } from './sim-fixture.js';

async function instanceWithPi(engine: 'aurora-postgresql' | 'aurora-mysql') {
  const fixture = simCloud({ delays: { create: 1000 } });
  await fixture.rds('CreateDBCluster', { DBClusterIdentifier: 'c', Engine: engine, MasterUsername: 'labadmin', MasterUserPassword: 'secret-pass-1' });
  await fixture.rds('CreateDBInstance', { DBInstanceIdentifier: 'c-0', DBClusterIdentifier: 'c', Engine: engine, DBInstanceClass: 'db.t4g.large', EnablePerformanceInsights: true });
  fixture.clock.t += 600_000;
  const resourceId = (await fixture.rds('DescribeDBInstances', { DBInstanceIdentifier: 'c-0' })).DBInstances[0].DbiResourceId as string;
  const pi = (operation: string, input: Record<string, unknown>) => fixture.call('pi', operation, { ServiceType: 'RDS', Identifier: resourceId, ...input });
  const window = { StartTime: new Date(fixture.clock.t - 300_000), EndTime: new Date(fixture.clock.t), PeriodInSeconds: 60 };
  return { pi, window };
}

async function schemaIssues(operation: string, output: unknown): Promise<InputIssue[]> {
  const issues: InputIssue[] = [];
  checkValue((await operationSchema('pi', operation))!.output, output, operation, issues);
  return issues;
}

describe('Performance Insights in the dry run', () => {
  it.each([
    ['aurora-postgresql', ['CPU', 'IO:DataFileRead', 'LWLock:BufferMapping']],
    ['aurora-mysql', ['CPU', 'wait/io/table/sql/handler', 'wait/synch/mutex/innodb/buf_pool_mutex']],
  ] as const)('groups %s load by db.wait_event with the waits PI names for the engine, largest first', async (engine, names) => {
    const { pi, window } = await instanceWithPi(engine);
    const out = await pi('DescribeDimensionKeys', { ...window, Metric: 'db.load.avg', GroupBy: { Group: 'db.wait_event' } });
    expect(await schemaIssues('DescribeDimensionKeys', out)).toEqual([]);
    expect(await schemaIssues('DescribeDimensionKeys', { ...out, Keys: [{ Dimensions: out.Keys[0].Dimensions, Total: 'high' }] })).not.toEqual([]);
    expect(out.Keys.map((k: any) => k.Dimensions['db.wait_event.name'])).toEqual(names);
    expect(Object.keys(out.Keys[0].Dimensions).sort()).toEqual(['db.wait_event.name', 'db.wait_event.type']);
    const totals = out.Keys.map((k: any) => k.Total as number);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
    expect(totals[0]).toBeGreaterThan(0);
  });

  it('gives db.wait_event_type and db.sql_tokenized series in GetResourceMetrics, valid by the API schema', async () => {
    const { pi, window } = await instanceWithPi('aurora-postgresql');
    const out = await pi('GetResourceMetrics', {
      ...window,
      MetricQueries: [{ Metric: 'db.load.avg', GroupBy: { Group: 'db.wait_event_type', Limit: 2 } }, { Metric: 'db.load.avg', GroupBy: { Group: 'db.sql_tokenized' } }],
    });
    expect(await schemaIssues('GetResourceMetrics', out)).toEqual([]);
    const grouped = out.MetricList.filter((m: any) => m.Key.Dimensions);
    expect(grouped.slice(0, 2).map((m: any) => m.Key.Dimensions)).toEqual([{ 'db.wait_event_type.name': 'CPU' }, { 'db.wait_event_type.name': 'IO' }]);
    expect(grouped.slice(2).every((m: any) => /^[0-9A-F]{40}$/.test(m.Key.Dimensions['db.sql_tokenized.id']))).toBe(true);
  });

  it('refuses a dimension group PI does not have', async () => {
    const { pi, window } = await instanceWithPi('aurora-mysql');
    expect(await code(pi('DescribeDimensionKeys', { ...window, Metric: 'db.load.avg', GroupBy: { Group: 'db.wait' } }))).toBe('InvalidArgumentException');
  });
});
