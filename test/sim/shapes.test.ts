import { describe, expect, it } from 'vitest';
import {
  inputIssues,
  listOperations,
  maskSensitive,
  maskSensitiveOutput,
  operationExists,
  operationSchema,
  validateInput,
} from '../../src/sim/shapes.js';

describe('operation lookup', () => {
  it('knows CreateDBCluster and not a misspelling of it', async () => {
    expect(await operationExists('rds', 'CreateDBCluster')).toBe(true);
    expect(await operationExists('rds', 'CreateDBClustr')).toBe(false);
    expect(await operationExists('rds', 'CreateDBClusterMessage')).toBe(false);
    expect(await operationExists('rds', 'constructor')).toBe(false);
  });

  it('lists the operations of every service from the SDK schemas', async () => {
    expect(await listOperations('rds')).toContain('FailoverDBCluster');
    expect(await listOperations('sts')).toContain('GetCallerIdentity');
    expect(await listOperations('pi')).toContain('GetResourceMetrics');
    expect(await listOperations('tagging')).toContain('GetResources');
  });

  it('exposes input, output and the modelled errors', async () => {
    const op = await operationSchema('rds', 'DescribeDBClusters');
    expect(op?.input.getName()).toBe('DescribeDBClustersMessage');
    expect(op?.output.getName()).toBe('DBClusterMessage');
    expect(op?.errors.map((e) => e.getName())).toContain('DBClusterNotFoundFault');
  });
});

describe('validateInput', () => {
  it('accepts a valid CreateDBCluster input', async () => {
    const problems = await validateInput('rds', 'CreateDBCluster', {
      DBClusterIdentifier: 'lab',
      Engine: 'aurora-postgresql',
      Port: 5432,
      StorageEncrypted: true,
      VpcSecurityGroupIds: ['sg-1'],
      Tags: [{ Key: 'lab', Value: 'failover' }],
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
    });
    expect(problems).toEqual([]);
  });

  it('reports every problem at once, each with its path', async () => {
    const problems = await validateInput('rds', 'CreateDBCluster', {
      Foo: 1,
      DBClusterIdentifier: 'lab',
      Port: '5432',
      StorageEncrypted: 'yes',
      VpcSecurityGroupIds: 'sg-1',
      Tags: [{ Key: 'a', Valu: 'b' }, { Key: 7 }],
      ServerlessV2ScalingConfiguration: { MinCapacity: 'half' },
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'CreateDBCluster: unknown parameter "Foo"',
        'CreateDBCluster: The request must contain the parameter Engine',
        'CreateDBCluster: parameter "Port" must be a number, got a string',
        'CreateDBCluster: parameter "StorageEncrypted" must be a boolean, got a string',
        'CreateDBCluster: parameter "VpcSecurityGroupIds" must be a list, got a string',
        'CreateDBCluster: unknown parameter "Tags[0].Valu"',
        'CreateDBCluster: parameter "Tags[1].Key" must be a string, got a number',
        'CreateDBCluster: parameter "ServerlessV2ScalingConfiguration.MinCapacity" must be a number, got a string',
      ]),
    );
    expect(problems).toHaveLength(8);
  });

  it('checks timestamps, structures and nested required members', async () => {
    const issues = await inputIssues('cloudwatch', 'GetMetricData', {
      StartTime: '2026-01-01T00:00:00Z',
      EndTime: new Date(),
      MetricDataQueries: [{ MetricStat: { Metric: { MetricName: 'CPU' }, Period: 60 } }],
    });
    expect(issues.map((i) => [i.kind, i.path])).toEqual(
      expect.arrayContaining([
        ['type', 'StartTime'],
        ['missing', 'MetricDataQueries[0].Id'],
        ['missing', 'MetricDataQueries[0].MetricStat.Stat'],
      ]),
    );
    expect(await validateInput('rds', 'DescribeDBClusters', { Filters: { Name: 'x' } })).toEqual([
      'DescribeDBClusters: parameter "Filters" must be a list, got a structure',
    ]);
  });

  it('reports an unknown operation', async () => {
    expect(await validateInput('rds', 'CreateDBClustr', {})).toEqual([
      'CreateDBClustr: unknown operation rds:CreateDBClustr',
    ]);
  });

  it('treats an absent input as empty', async () => {
    expect(await validateInput('sts', 'GetCallerIdentity', undefined)).toEqual([]);
  });
});

describe('maskSensitive', () => {
  it('masks MasterUserPassword and leaves the rest, without touching the original', async () => {
    const input = { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUserPassword: 'hunter22', Tags: [{ Key: 'a', Value: 'b' }] };
    const masked = await maskSensitive('rds', 'CreateDBCluster', input);
    expect(masked).toEqual({ DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUserPassword: '***', Tags: [{ Key: 'a', Value: 'b' }] });
    expect(input.MasterUserPassword).toBe('hunter22');
  });

  it('masks secrets in Secrets Manager outputs', async () => {
    const masked = await maskSensitiveOutput('secrets-manager', 'GetSecretValue', { Name: 'n', SecretString: '{"password":"x"}' });
    expect(masked).toEqual({ Name: 'n', SecretString: '***' });
  });
});
