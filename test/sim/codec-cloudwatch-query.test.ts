/**
 * CloudWatch's Query side: the same server answers CloudWatch in JSON 1.0 (today's SDK) and in AWS Query
 * (older SDKs, Debian's AWS CLI 2.9), from the same handler. The Query client here is the SDK's own
 * CloudWatch client with its protocol swapped for @aws-sdk/core's AwsQueryProtocol (its serializer and
 * XML parser, CloudWatch's own settings); the hand-made requests pin the XML as AWS shapes it.
 */
import { request } from 'node:http';
import { AwsQueryProtocol } from '@aws-sdk/core/protocols';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  PutMetricAlarmCommand,
  ResourceNotFound,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { protocolOf, querySide } from '../../src/sim/codec/index.js';
import { startSimServer, type SimServer } from '../../src/sim/server.js';
import { SERVICE_NAMES } from '../../src/sim/services.js';
import { SimError, type SimCall } from '../../src/sim/types.js';
import { signedHeaders, TEST_CREDENTIALS } from '../helpers/test-credentials.js';

const NS = 'http://monitoring.amazonaws.com/doc/2010-08-01/';
const REGION = 'eu-central-1';

let server: SimServer;
let calls: SimCall[] = [];
let reply: (call: SimCall) => Promise<Record<string, unknown>> = async () => ({});

beforeAll(async () => {
  server = await startSimServer({
    credentials: TEST_CREDENTIALS,
    handler: (call) => {
      calls.push(call);
      return reply(call);
    },
  });
});
afterAll(() => server.close());
beforeEach(() => {
  calls = [];
  reply = async () => ({});
});

function client(protocol: 'query' | 'json'): CloudWatchClient {
  const config = { region: REGION, endpoint: server.url, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  if (protocol === 'json') return new CloudWatchClient(config);
  const settings = new CloudWatchClient(config).config.protocolSettings;
  return new CloudWatchClient({ ...config, protocol: AwsQueryProtocol, protocolSettings: settings } as never);
}

function post(headers: Record<string, string>, body: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}/`, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A form POST as botocore's Query serializer sends it, signed for `monitoring`. */
async function queryPost(body: string, credentials = TEST_CREDENTIALS) {
  const headers = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  return post(await signedHeaders({ url: server.url, body, headers, region: REGION, service: 'monitoring', credentials }), body);
}

const ALARM_INPUT = {
  AlarmName: 'lab-acu-high',
  AlarmDescription: 'ACU > 4 & "rising"',
  ActionsEnabled: false,
  Namespace: 'AWS/RDS',
  MetricName: 'ServerlessDatabaseCapacity',
  Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'lab' }],
  Statistic: 'Average' as const,
  Period: 60,
  EvaluationPeriods: 2,
  DatapointsToAlarm: 1,
  Threshold: 4.5,
  ComparisonOperator: 'GreaterThanThreshold' as const,
  AlarmActions: [],
  Tags: [{ Key: 'aurora-lab:run', Value: 'r1' }],
};

const ALARM = {
  AlarmName: 'lab-acu-high',
  AlarmArn: 'arn:aws:cloudwatch:eu-central-1:123456789012:alarm:lab-acu-high',
  ActionsEnabled: false,
  StateValue: 'OK' as const,
  StateReason: 'Threshold Crossed: 1 datapoint [0.5 (01/01/26 00:00:00)] was not greater than the threshold (4.5).',
  StateUpdatedTimestamp: new Date('2026-01-01T00:01:02.345Z'),
  AlarmConfigurationUpdatedTimestamp: new Date('2026-01-01T00:00:00Z'),
  MetricName: 'ServerlessDatabaseCapacity',
  Namespace: 'AWS/RDS',
  Statistic: 'Average' as const,
  Dimensions: [
    { Name: 'DBClusterIdentifier', Value: 'lab' },
    { Name: 'Role', Value: 'WRITER' },
  ],
  Period: 60,
  EvaluationPeriods: 2,
  Threshold: 4.5,
  ComparisonOperator: 'GreaterThanThreshold' as const,
  AlarmActions: [],
  OKActions: ['arn:aws:sns:eu-central-1:123456789012:a', 'arn:aws:sns:eu-central-1:123456789012:b'],
};

describe('CloudWatch over AWS Query', () => {
  it('hands the handler the input a Query client sent, as the JSON client sends it', async () => {
    await client('query').send(new PutMetricAlarmCommand(ALARM_INPUT));
    await client('json').send(new PutMetricAlarmCommand(ALARM_INPUT));
    const call = { service: 'cloudwatch', operation: 'PutMetricAlarm', region: REGION, input: ALARM_INPUT };
    expect(calls).toEqual([call, call]);
  });

  it('gives a Query client back member lists, nested structures and timestamps unchanged', async () => {
    reply = async () => ({ MetricAlarms: [ALARM], CompositeAlarms: [], NextToken: 'n' });
    const out = await client('query').send(new DescribeAlarmsCommand({ AlarmNames: ['lab-acu-high'], StateValue: 'OK' }));
    expect(calls[0]!.input).toEqual({ AlarmNames: ['lab-acu-high'], StateValue: 'OK' });
    const { $metadata, ...rest } = out;
    expect(rest).toEqual({ MetricAlarms: [ALARM], CompositeAlarms: [], NextToken: 'n' });
    expect($metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads the form botocore sends (member.N lists, nested members, ISO timestamps) and answers the XML document AWS does', async () => {
    reply = async () => ({
      Label: 'ServerlessDatabaseCapacity',
      Datapoints: [{ Timestamp: new Date('2026-01-01T00:01:00Z'), Average: 0.5, Maximum: 1, Unit: 'Count' }],
    });
    const body =
      'Action=GetMetricStatistics&Version=2010-08-01&Namespace=AWS%2FRDS&MetricName=ServerlessDatabaseCapacity' +
      '&Dimensions.member.1.Name=DBClusterIdentifier&Dimensions.member.1.Value=lab' +
      '&StartTime=2026-01-01T00%3A00%3A00Z&EndTime=2026-01-01T00%3A10%3A00Z&Period=60' +
      '&Statistics.member.1=Average&Statistics.member.2=Maximum';
    const res = await queryPost(body);
    expect(calls).toEqual([{
      service: 'cloudwatch',
      operation: 'GetMetricStatistics',
      region: REGION,
      input: {
        Namespace: 'AWS/RDS',
        MetricName: 'ServerlessDatabaseCapacity',
        Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'lab' }],
        StartTime: new Date('2026-01-01T00:00:00Z'),
        EndTime: new Date('2026-01-01T00:10:00Z'),
        Period: 60,
        Statistics: ['Average', 'Maximum'],
      },
    }]);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    const id = String(res.headers['x-amzn-requestid']);
    expect(res.body).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<GetMetricStatisticsResponse xmlns="${NS}"><GetMetricStatisticsResult>` +
        '<Label>ServerlessDatabaseCapacity</Label>' +
        '<Datapoints><member><Timestamp>2026-01-01T00:01:00.000Z</Timestamp><Average>0.5</Average><Maximum>1</Maximum><Unit>Count</Unit></member></Datapoints>' +
        `</GetMetricStatisticsResult><ResponseMetadata><RequestId>${id}</RequestId></ResponseMetadata></GetMetricStatisticsResponse>`,
    );
  });

  it('lists timestamps and doubles as member.N both ways (GetMetricData)', async () => {
    const output = {
      MetricDataResults: [{
        Id: 'acu',
        Label: 'ServerlessDatabaseCapacity',
        Timestamps: [new Date('2026-01-01T00:01:00Z'), new Date('2026-01-01T00:00:00Z')],
        Values: [1.5, 0],
        StatusCode: 'Complete' as const,
      }],
      Messages: [],
    };
    reply = async () => output;
    const input = {
      MetricDataQueries: [{
        Id: 'acu',
        MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'ServerlessDatabaseCapacity', Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'lab' }] }, Period: 60, Stat: 'Average' },
        ReturnData: true,
      }],
      StartTime: new Date('2026-01-01T00:00:00Z'),
      EndTime: new Date('2026-01-01T00:10:00Z'),
      ScanBy: 'TimestampDescending' as const,
    };
    const { $metadata: _m, ...rest } = await client('query').send(new GetMetricDataCommand(input));
    expect(calls[0]!.input).toEqual(input);
    expect(rest).toEqual(output);
    const res = await queryPost(
      'Action=GetMetricData&Version=2010-08-01&StartTime=2026-01-01T00%3A00%3A00Z&EndTime=2026-01-01T00%3A10%3A00Z' +
        '&MetricDataQueries.member.1.Id=acu&MetricDataQueries.member.1.MetricStat.Metric.Namespace=AWS%2FRDS' +
        '&MetricDataQueries.member.1.MetricStat.Metric.MetricName=ServerlessDatabaseCapacity' +
        '&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=DBClusterIdentifier' +
        '&MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=lab' +
        '&MetricDataQueries.member.1.MetricStat.Period=60&MetricDataQueries.member.1.MetricStat.Stat=Average' +
        '&MetricDataQueries.member.1.ReturnData=true&ScanBy=TimestampDescending',
    );
    expect(calls[1]!.input).toEqual(input);
    expect(res.body).toContain(
      '<MetricDataResults><member><Id>acu</Id><Label>ServerlessDatabaseCapacity</Label>' +
        '<Timestamps><member>2026-01-01T00:01:00.000Z</member><member>2026-01-01T00:00:00.000Z</member></Timestamps>' +
        '<Values><member>1.5</member><member>0</member></Values><StatusCode>Complete</StatusCode></member></MetricDataResults><Messages></Messages>',
    );
  });

  it('answers an operation without output with ResponseMetadata alone', async () => {
    const res = await queryPost('Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=a&AlarmNames.member.2=b');
    expect(calls[0]!.input).toEqual({ AlarmNames: ['a', 'b'] });
    expect(res.body).toMatch(new RegExp(`<DeleteAlarmsResponse xmlns="${NS}"><ResponseMetadata><RequestId>[0-9a-f-]{36}</RequestId></ResponseMetadata></DeleteAlarmsResponse>$`));
  });

  it('answers a model error as an ErrorResponse with the Query code and the modelled status', async () => {
    reply = async () => {
      throw new SimError('ResourceNotFound', 'nope not found', 400);
    };
    const res = await queryPost('Action=DeleteAlarms&Version=2010-08-01&AlarmNames.member.1=nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatch(
      new RegExp(`<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>ResourceNotFound</Code><Message>nope not found</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$`),
    );
    const err = await client('query').send(new DeleteAlarmsCommand({ AlarmNames: ['nope'] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResourceNotFound);
    expect(err).toMatchObject({ message: 'nope not found', $metadata: { httpStatusCode: 404 } });
  });

  it('refuses a missing parameter, a bad value and an unknown action before the handler, as CloudWatch does', async () => {
    const [missing, badValue, unknown] = await Promise.all([
      queryPost('Action=GetMetricStatistics&Version=2010-08-01&Namespace=AWS%2FRDS&MetricName=m&StartTime=2026-01-01T00%3A00%3A00Z&EndTime=2026-01-01T00%3A10%3A00Z'),
      queryPost('Action=DescribeAlarmHistory&Version=2010-08-01&StartDate=yesterday'),
      queryPost('Action=DescribeAlarmz&Version=2010-08-01'),
    ]);
    expect([missing.status, badValue.status, unknown.status]).toEqual([400, 400, 400]);
    expect(missing.body).toContain('<Code>MissingParameter</Code><Message>The request must contain the parameter Period</Message>');
    expect(badValue.body).toContain('<Code>InvalidParameterValue</Code><Message>parameter &quot;StartDate&quot; must be a timestamp, got &quot;yesterday&quot;</Message>');
    expect(unknown.body).toContain('<Code>InvalidAction</Code>');
    expect(calls).toEqual([]);
  });

  it('refuses a request signed with a wrong secret as Query CloudWatch does (403 SignatureDoesNotMatch), and as JSON in JSON', async () => {
    const wrong = { ...TEST_CREDENTIALS, secretAccessKey: 'x'.repeat(40) };
    const query = await queryPost('Action=DescribeAlarms&Version=2010-08-01', wrong);
    expect(query.status).toBe(403);
    expect(query.body).toContain(`<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>`);
    const jsonHeaders = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'GraniteServiceVersion20100801.DescribeAlarms' };
    const json = await post(await signedHeaders({ url: server.url, body: '{}', headers: jsonHeaders, region: REGION, service: 'monitoring', credentials: wrong }), '{}');
    expect(json.status).toBe(400);
    expect(JSON.parse(json.body).__type).toBe('InvalidSignatureException');
    expect(json.headers['x-amzn-query-error']).toBe('SignatureDoesNotMatch;Sender');
    expect(calls).toEqual([]);
  });

  it('keeps answering the JSON client in JSON', async () => {
    reply = async () => ({ Label: 'm', Datapoints: [] });
    const input = { Namespace: 'AWS/RDS', MetricName: 'm', StartTime: new Date(0), EndTime: new Date(60_000), Period: 60 };
    const out = await client('json').send(new GetMetricStatisticsCommand(input));
    expect(out).toMatchObject({ Label: 'm', Datapoints: [] });
    expect(calls[0]!.input).toEqual(input);
  });
});

describe('which services answer two protocols', () => {
  it('finds a Query side only for CloudWatch, with the namespace and version of its 2010-08-01 API', async () => {
    const sides: Record<string, unknown> = {};
    for (const s of SERVICE_NAMES) {
      const q = querySide(await protocolOf(s));
      if (q) sides[s] = { kind: q.kind, xmlNamespace: q.xmlNamespace, version: q.version };
    }
    expect(sides).toEqual({ cloudwatch: { kind: 'query', xmlNamespace: NS, version: '2010-08-01' } });
  });
});
