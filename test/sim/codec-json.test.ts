import { CloudWatchClient, GetMetricDataCommand, ResourceNotFound as CwResourceNotFound } from '@aws-sdk/client-cloudwatch';
import { GetResourceMetricsCommand, PIClient } from '@aws-sdk/client-pi';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { SimError } from '../../src/sim/types.js';
import { scriptedSimServer } from './sim-fixture.js';

const server = scriptedSimServer();

describe('AWS JSON 1.1 through the real Secrets Manager client', () => {
  it('returns a secret with its binary and creation date', async () => {
    const secret = {
      ARN: 'arn:aws:secretsmanager:eu-central-1:000000000000:secret:rds!cluster-abc',
      Name: 'rds!cluster-abc',
      VersionId: 'v1',
      SecretString: '{"username":"postgres","password":"pw"}',
      SecretBinary: new Uint8Array([0, 1, 2, 250]),
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date('2026-03-04T05:06:07.890Z'),
    };
    server.reply = async () => secret;
    const out = await new SecretsManagerClient(server.clientConfig('eu-central-1')).send(new GetSecretValueCommand({ SecretId: secret.ARN }));
    expect(server.calls).toEqual([{ service: 'secrets-manager', operation: 'GetSecretValue', region: 'eu-central-1', input: { SecretId: secret.ARN } }]);
    const { $metadata, ...rest } = out;
    expect(rest).toEqual(secret);
    expect($metadata.httpStatusCode).toBe(200);
  });

  it('throws the modelled exception class for a SimError', async () => {
    server.reply = async () => {
      throw new SimError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.", 400);
    };
    const err = await new SecretsManagerClient(server.clientConfig('eu-central-1'))
      .send(new GetSecretValueCommand({ SecretId: 'nope' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFoundException);
    expect(err).toMatchObject({ message: "Secrets Manager can't find the specified secret." });
  });

  it('rejects a missing required member with ValidationException', async () => {
    const err = await new SecretsManagerClient(server.clientConfig('eu-central-1'))
      .send(new GetSecretValueCommand({} as never))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'ValidationException', message: '1 validation error detected: The request must contain the parameter SecretId' });
    expect(server.calls).toEqual([]);
  });
});

describe('AWS JSON 1.1 through the real PI client', () => {
  it('round-trips GetResourceMetrics with timestamps in both directions', async () => {
    const input = {
      ServiceType: 'RDS' as const,
      Identifier: 'db-ABCDEFGHIJKLMNOP',
      MetricQueries: [{ Metric: 'db.load.avg', GroupBy: { Group: 'db.sql_tokenized', Limit: 5 } }],
      StartTime: new Date('2026-01-01T00:00:00Z'),
      EndTime: new Date('2026-01-01T01:00:00.5Z'),
      PeriodInSeconds: 60,
    };
    const output = {
      AlignedStartTime: new Date('2026-01-01T00:00:00Z'),
      AlignedEndTime: new Date('2026-01-01T01:00:00Z'),
      Identifier: 'db-ABCDEFGHIJKLMNOP',
      MetricList: [
        {
          Key: { Metric: 'db.load.avg', Dimensions: { 'db.sql_tokenized.statement': 'SELECT ?' } },
          DataPoints: [
            { Timestamp: new Date('2026-01-01T00:00:00Z'), Value: 1.5 },
            { Timestamp: new Date('2026-01-01T00:01:00Z'), Value: 0 },
          ],
        },
      ],
    };
    server.reply = async () => output;
    const out = await new PIClient(server.clientConfig('us-east-2')).send(new GetResourceMetricsCommand(input));
    expect(server.calls).toEqual([{ service: 'pi', operation: 'GetResourceMetrics', region: 'us-east-2', input }]);
    const { $metadata: _m, ...rest } = out;
    expect(rest).toEqual(output);
  });
});

describe('AWS JSON 1.0 (Query-compatible) through the real CloudWatch client', () => {
  it('round-trips GetMetricData timestamps and value lists', async () => {
    const input = {
      MetricDataQueries: [
        {
          Id: 'acu',
          MetricStat: {
            Metric: { Namespace: 'AWS/RDS', MetricName: 'ServerlessDatabaseCapacity', Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'lab' }] },
            Period: 60,
            Stat: 'Average',
          },
          ReturnData: true,
        },
      ],
      StartTime: new Date('2026-01-01T00:00:00Z'),
      EndTime: new Date('2026-01-01T00:10:00Z'),
    };
    const output = {
      MetricDataResults: [
        {
          Id: 'acu',
          Label: 'ServerlessDatabaseCapacity',
          Timestamps: [new Date('2026-01-01T00:01:00Z'), new Date('2026-01-01T00:00:00Z')],
          Values: [0.5, 0],
          StatusCode: 'Complete',
        },
      ],
      Messages: [],
    };
    server.reply = async () => output;
    const out = await new CloudWatchClient(server.clientConfig('sa-east-1')).send(new GetMetricDataCommand(input));
    expect(server.calls).toEqual([{ service: 'cloudwatch', operation: 'GetMetricData', region: 'sa-east-1', input }]);
    const { $metadata: _m, ...rest } = out;
    expect(rest).toEqual(output);
  });

  it('answers a Query error code with its modelled class (x-amzn-query-error)', async () => {
    server.reply = async () => {
      throw new SimError('ResourceNotFound', 'no such metric stream', 404);
    };
    const err = await new CloudWatchClient(server.clientConfig('sa-east-1'))
      .send(new GetMetricDataCommand({ MetricDataQueries: [], StartTime: new Date(0), EndTime: new Date(1000) }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CwResourceNotFound);
    expect(err).toMatchObject({ message: 'no such metric stream', Code: 'ResourceNotFound', Type: 'Sender' });
  });

  it('rejects a missing required member with the Query code MissingParameter', async () => {
    const err = await new CloudWatchClient(server.clientConfig('sa-east-1'))
      .send(new GetMetricDataCommand({ MetricDataQueries: [], StartTime: new Date(0) } as never))
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'MissingRequiredParameterException', Code: 'MissingParameter', message: 'The request must contain the parameter EndTime' });
    expect(server.calls).toEqual([]);
  });
});

describe('AWS JSON 1.1 through the real tagging client', () => {
  it('round-trips GetResources with tag filters', async () => {
    const input = { TagFilters: [{ Key: 'aurora-lab:run', Values: ['r1'] }], ResourceTypeFilters: ['rds:cluster'] };
    const output = {
      PaginationToken: '',
      ResourceTagMappingList: [{ ResourceARN: 'arn:aws:rds:eu-west-1:000000000000:cluster:lab', Tags: [{ Key: 'aurora-lab:run', Value: 'r1' }] }],
    };
    server.reply = async () => output;
    const out = await new ResourceGroupsTaggingAPIClient(server.clientConfig('eu-west-1')).send(new GetResourcesCommand(input));
    expect(server.calls).toEqual([{ service: 'tagging', operation: 'GetResources', region: 'eu-west-1', input }]);
    expect(out.ResourceTagMappingList).toEqual(output.ResourceTagMappingList);
  });
});
