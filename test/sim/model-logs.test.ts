/** CloudWatch Logs in the model: groups, paging, filter patterns, and what RDS publishes into it. */
import { describe, expect, it } from 'vitest';
import { code, serviceCaller, simCloud } from './sim-fixture.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'monitoring.rds.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole';

function setup(options = {}) {
  const { sim, clock, rds } = simCloud(options);
  return { sim, clock, rds, logs: serviceCaller(sim, 'logs'), iam: serviceCaller(sim, 'iam') };
}

describe('log groups', () => {
  it('creates, describes (by prefix, paged with nextToken) and deletes log groups, refusing duplicates and unknown groups', async () => {
    const { logs } = setup();
    for (let n = 0; n < 5; n++) await logs('CreateLogGroup', { logGroupName: `/lab/g${n}`, tags: { owner: 'me' } });
    expect(await code(logs('CreateLogGroup', { logGroupName: '/lab/g0' }))).toBe('ResourceAlreadyExistsException');
    const first = await logs('DescribeLogGroups', { logGroupNamePrefix: '/lab/', limit: 2 });
    expect(first.logGroups.map((g: { logGroupName: string }) => g.logGroupName)).toEqual(['/lab/g0', '/lab/g1']);
    const second = await logs('DescribeLogGroups', { logGroupNamePrefix: '/lab/', limit: 2, nextToken: first.nextToken });
    expect(second.logGroups.map((g: { logGroupName: string }) => g.logGroupName)).toEqual(['/lab/g2', '/lab/g3']);
    const third = await logs('DescribeLogGroups', { logGroupNamePrefix: '/lab/', limit: 2, nextToken: second.nextToken });
    expect(third.logGroups).toHaveLength(1);
    expect(third.nextToken).toBeUndefined();
    expect(await code(logs('DescribeLogGroups', { logGroupNamePrefix: '/other', nextToken: first.nextToken }))).toBe('InvalidParameterException');
    expect(await code(logs('DescribeLogGroups', { limit: 51 }))).toBe('InvalidParameterException');
    expect((await logs('ListTagsForResource', { resourceArn: first.logGroups[0].logGroupArn })).tags).toEqual({ owner: 'me' });
    await logs('DeleteLogGroup', { logGroupName: '/lab/g0' });
    expect(await code(logs('DeleteLogGroup', { logGroupName: '/lab/g0' }))).toBe('ResourceNotFoundException');
    expect((await logs('DescribeLogGroups', { logGroupNamePrefix: '/lab/g0' })).logGroups).toEqual([]);
  });
});

describe('what RDS publishes', () => {
  it('makes /aws/rds/cluster/<id>/postgresql once the exporting cluster has an instance, with a stream per instance', async () => {
    const { rds, logs } = setup();
    expect(await code(rds('CreateDBCluster', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', MasterUsername: 'u', ManageMasterUserPassword: true, EnableCloudwatchLogsExports: ['slowquery'] }))).toBe('InvalidParameterCombination');
    const c = await rds('CreateDBCluster', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', MasterUsername: 'u', ManageMasterUserPassword: true, EnableCloudwatchLogsExports: ['postgresql'] });
    expect(c.DBCluster.EnabledCloudwatchLogsExports).toEqual(['postgresql']);
    expect((await logs('DescribeLogGroups', { logGroupNamePrefix: '/aws/rds/cluster/c1/' })).logGroups).toEqual([]);
    await rds('CreateDBInstance', { DBInstanceIdentifier: 'c1-0', DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });
    await rds('DescribeDBInstances', {});
    const groups = await logs('DescribeLogGroups', { logGroupNamePrefix: '/aws/rds/cluster/c1/' });
    expect(groups.logGroups.map((g: { logGroupName: string }) => g.logGroupName)).toEqual(['/aws/rds/cluster/c1/postgresql']);
    const found = await logs('FilterLogEvents', { logGroupName: '/aws/rds/cluster/c1/postgresql', filterPattern: '"ready to accept connections"' });
    expect(found.events).toHaveLength(1);
    expect(found.events[0]).toMatchObject({ logStreamName: 'c1-0', message: expect.stringContaining('LOG:  database system is ready to accept connections') });
    expect((await logs('FilterLogEvents', { logGroupName: '/aws/rds/cluster/c1/postgresql', filterPattern: 'duration' })).events).toEqual([]);
  });

  it('checks ModifyDBCluster CloudwatchLogsExportConfiguration against the engine', async () => {
    const { rds } = setup();
    await rds('CreateDBCluster', { DBClusterIdentifier: 'm1', Engine: 'aurora-mysql', MasterUsername: 'u', ManageMasterUserPassword: true });
    expect(await code(rds('ModifyDBCluster', { DBClusterIdentifier: 'm1', CloudwatchLogsExportConfiguration: { EnableLogTypes: ['postgresql'] } }))).toBe('InvalidParameterCombination');
    const out = await rds('ModifyDBCluster', { DBClusterIdentifier: 'm1', CloudwatchLogsExportConfiguration: { EnableLogTypes: ['slowquery', 'error'] }, ApplyImmediately: true });
    expect(out.DBCluster.EnabledCloudwatchLogsExports).toEqual(['slowquery', 'error']);
  });

  it('writes an RDSOSMetrics document per interval under the DbiResourceId, only once the role has the managed policy', async () => {
    const { rds, logs, iam, clock } = setup();
    const role = await iam('CreateRole', { RoleName: 'mon', AssumeRolePolicyDocument: TRUST });
    await rds('CreateDBCluster', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', MasterUsername: 'u', ManageMasterUserPassword: true });
    const i = await rds('CreateDBInstance', { DBInstanceIdentifier: 'c1-0', DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', MonitoringInterval: 10, MonitoringRoleArn: role.Role.Arn });
    clock.t += 60_000;
    await rds('DescribeDBInstances', {});
    expect(await code(logs('FilterLogEvents', { logGroupName: 'RDSOSMetrics' }))).toBe('ResourceNotFoundException');
    await iam('AttachRolePolicy', { RoleName: 'mon', PolicyArn: POLICY });
    const out = await logs('GetLogEvents', { logGroupName: 'RDSOSMetrics', logStreamName: i.DBInstance.DbiResourceId, startFromHead: true, limit: 3 });
    expect(out.events).toHaveLength(3);
    const doc = JSON.parse(out.events[0].message);
    expect(doc).toMatchObject({ instanceID: 'c1-0', instanceResourceID: i.DBInstance.DbiResourceId, cpuUtilization: { total: expect.any(Number) }, memory: { total: expect.any(Number) } });
    const next = await logs('GetLogEvents', { logGroupName: 'RDSOSMetrics', logStreamName: i.DBInstance.DbiResourceId, nextToken: out.nextForwardToken, limit: 3 });
    expect(next.events[0].timestamp).toBe(out.events[2].timestamp + 10_000);
  });

  it('serves a provider\'s real lines instead of synthesized ones, with filter patterns applied', async () => {
    const { rds, logs } = setup({
      logs: ({ logGroupName }: { logGroupName: string }) =>
        logGroupName.endsWith('/postgresql')
          ? { 'c1-0': [{ timestamp: Date.UTC(2025, 0, 1, 0, 0, 5), message: 'LOG:  duration: 2003.112 ms  statement: select pg_sleep(2)' }, { timestamp: Date.UTC(2025, 0, 1, 0, 0, 6), message: 'LOG:  checkpoint starting: time' }] }
          : undefined,
    });
    await rds('CreateDBCluster', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', MasterUsername: 'u', ManageMasterUserPassword: true, EnableCloudwatchLogsExports: ['postgresql'] });
    await rds('CreateDBInstance', { DBInstanceIdentifier: 'c1-0', DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });
    await rds('DescribeDBInstances', {});
    const found = await logs('FilterLogEvents', { logGroupName: '/aws/rds/cluster/c1/postgresql', filterPattern: 'duration pg_sleep -checkpoint' });
    expect(found.events.map((e: { message: string }) => e.message)).toEqual(['LOG:  duration: 2003.112 ms  statement: select pg_sleep(2)']);
    const paged = await logs('FilterLogEvents', { logGroupName: '/aws/rds/cluster/c1/postgresql', limit: 1 });
    expect(paged.events).toHaveLength(1);
    const rest = await logs('FilterLogEvents', { logGroupName: '/aws/rds/cluster/c1/postgresql', limit: 1, nextToken: paged.nextToken });
    expect(rest.events[0].message).toContain('checkpoint');
    expect(rest.nextToken).toBeUndefined();
  });
});

describe('the slow-statement parameters of a cluster parameter group', () => {
  it('sets log_min_duration_statement (PostgreSQL) and slow_query_log / long_query_time (MySQL), refusing unknown names, bad values and immediate on static ones', async () => {
    const { rds } = setup();
    await rds('CreateDBClusterParameterGroup', { DBClusterParameterGroupName: 'pg-slow', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'slow' });
    await rds('CreateDBClusterParameterGroup', { DBClusterParameterGroupName: 'my-slow', DBParameterGroupFamily: 'aurora-mysql8.0', Description: 'slow' });
    const set = (name: string, ParameterName: string, ParameterValue: string, ApplyMethod = 'immediate') =>
      rds('ModifyDBClusterParameterGroup', { DBClusterParameterGroupName: name, Parameters: [{ ParameterName, ParameterValue, ApplyMethod }] });
    expect(await set('pg-slow', 'log_min_duration_statement', '1000')).toEqual({ DBClusterParameterGroupName: 'pg-slow' });
    expect(await code(set('pg-slow', 'slow_query_log', '1'))).toBe('InvalidParameterValue');
    expect(await code(set('pg-slow', 'log_min_duration_statement', '-2'))).toBe('InvalidParameterValue');
    expect(await code(set('pg-slow', 'shared_preload_libraries', 'pg_stat_statements'))).toBe('InvalidParameterCombination');
    expect(await code(set('default.aurora-postgresql16', 'log_min_duration_statement', '1000'))).toBe('InvalidParameterValue');
    await set('my-slow', 'slow_query_log', '1');
    await set('my-slow', 'long_query_time', '0.5');
    const params = await rds('DescribeDBClusterParameters', { DBClusterParameterGroupName: 'my-slow', Source: 'user' });
    expect(params.Parameters.map((p: { ParameterName: string; ParameterValue: string }) => [p.ParameterName, p.ParameterValue])).toEqual([
      ['long_query_time', '0.5'],
      ['slow_query_log', '1'],
    ]);
    const pg = await rds('DescribeDBClusterParameters', { DBClusterParameterGroupName: 'pg-slow' });
    expect(pg.Parameters.find((p: { ParameterName: string }) => p.ParameterName === 'log_min_duration_statement')).toMatchObject({ ParameterValue: '1000', Source: 'user', ApplyType: 'dynamic', ApplyMethod: 'immediate' });
  });
});
