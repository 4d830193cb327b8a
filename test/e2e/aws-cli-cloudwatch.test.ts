/**
 * CloudWatch through Debian's AWS CLI 2.9 (/usr/bin/aws) against the local target. Its botocore model
 * speaks AWS Query to CloudWatch (form POST, XML answers), where today's SDK speaks JSON 1.0: the local
 * server must answer both, as AWS does. Every aws call runs with an empty config, no instance metadata
 * and explicit --endpoint-url/--region/--no-cli-pager; each costs seconds of Python start-up, so calls
 * that do not depend on each other run side by side.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protocolOf, querySide } from '../../src/sim/codec/index.js';
import { localCli, type LocalCli } from '../helpers/local-cli.js';

const AWS = '/usr/bin/aws';
const REGION = 'eu-west-1';
const ALARM = 'awscli-acu-high';
/** The CloudWatch model the CLI ships (its vendored botocore's data). */
const CLI_MODEL = '/usr/lib/python3/dist-packages/awscli/botocore/data/cloudwatch/2010-08-01/service-2.json';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let local: LocalCli;
let vars: { AWS_ENDPOINT_URL: string; AWS_ACCESS_KEY_ID: string; AWS_SECRET_ACCESS_KEY: string };
let scratch: string;

/** /usr/bin/aws with the local key pair (or another secret), fresh empty config files and the required flags. */
function aws(args: string[], secret = vars.AWS_SECRET_ACCESS_KEY): Promise<Run> {
  const dir = mkdtempSync(join(scratch, 'aws-'));
  writeFileSync(join(dir, 'config'), '');
  writeFileSync(join(dir, 'credentials'), '');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: scratch,
    LC_ALL: 'C.UTF-8',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_ACCESS_KEY_ID: vars.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: secret,
  };
  const argv = [...args, '--endpoint-url', vars.AWS_ENDPOINT_URL, '--region', REGION, '--no-cli-pager', '--output', 'json'];
  return new Promise((resolve) => {
    execFile(AWS, argv, { env, timeout: 120_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function awsJson(args: string[]): Promise<any> {
  const r = await aws(args);
  if (r.code !== 0) throw new Error(`aws ${args.slice(0, 2).join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim() === '' ? {} : JSON.parse(r.stdout);
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'alab-awscli-cw-'));
  local = await localCli();
  const started = await local.cli(['local', 'start']);
  expect(started.code, started.stderr).toBe(0);
  const env = await local.cli(['local', 'env', '--json', '--region', REGION]);
  expect(env.code, env.stderr).toBe(0);
  vars = JSON.parse(env.stdout);
}, 120_000);

afterAll(async () => {
  await local?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 120_000);

describe('the AWS CLI\'s CloudWatch (AWS Query) against the local target', () => {
  it('is a CLI whose CloudWatch model speaks Query, with the namespace and version the server answers Query in', async () => {
    const meta = JSON.parse(readFileSync(CLI_MODEL, 'utf8')).metadata;
    const served = querySide(await protocolOf('cloudwatch'));
    expect([meta.protocol, meta.signingName ?? meta.endpointPrefix]).toEqual(['query', 'monitoring']);
    expect([meta.xmlNamespace, meta.apiVersion]).toEqual([served?.xmlNamespace, served?.version]);
  });

  it('puts, describes, reads the history of, and deletes an alarm; reads metrics; refuses a wrong signature and an unknown alarm', async () => {
    const put = await aws([
      'cloudwatch', 'put-metric-alarm', '--alarm-name', ALARM, '--alarm-description', 'ACU > 4 & rising',
      '--namespace', 'AWS/RDS', '--metric-name', 'ServerlessDatabaseCapacity',
      '--dimensions', 'Name=DBClusterIdentifier,Value=lab', 'Name=Role,Value=WRITER',
      '--statistic', 'Average', '--period', '60', '--evaluation-periods', '2', '--threshold', '4.5',
      '--comparison-operator', 'GreaterThanThreshold', '--no-actions-enabled', '--tags', 'Key=aurora-lab:run,Value=r1',
    ]);
    expect(put.code, put.stderr).toBe(0);

    const described = await awsJson(['cloudwatch', 'describe-alarms', '--alarm-names', ALARM]);
    expect(described.MetricAlarms).toHaveLength(1);
    const a = described.MetricAlarms[0];
    expect(a).toMatchObject({
      AlarmName: ALARM,
      AlarmDescription: 'ACU > 4 & rising',
      AlarmArn: expect.stringMatching(new RegExp(`^arn:aws:cloudwatch:${REGION}:\\d{12}:alarm:${ALARM}$`)),
      ActionsEnabled: false,
      Namespace: 'AWS/RDS',
      MetricName: 'ServerlessDatabaseCapacity',
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'lab' }, { Name: 'Role', Value: 'WRITER' }],
      Statistic: 'Average',
      Period: 60,
      EvaluationPeriods: 2,
      Threshold: 4.5,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // botocore parsed the XML timestamp, and printed it back as ISO 8601.
    expect(Number.isNaN(Date.parse(a.StateUpdatedTimestamp))).toBe(false);
    expect(described.CompositeAlarms).toEqual([]);

    const end = new Date();
    const start = new Date(end.getTime() - 10 * 60_000);
    const query = [{ Id: 'acu', MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'ServerlessDatabaseCapacity', Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'lab' }] }, Period: 60, Stat: 'Average' } }];
    // Four calls that do not depend on each other.
    const [history, data, stats, forged] = await Promise.all([
      awsJson(['cloudwatch', 'describe-alarm-history', '--alarm-name', ALARM, '--history-item-type', 'ConfigurationUpdate']),
      awsJson(['cloudwatch', 'get-metric-data', '--metric-data-queries', JSON.stringify(query), '--start-time', start.toISOString(), '--end-time', end.toISOString()]),
      awsJson([
        'cloudwatch', 'get-metric-statistics', '--namespace', 'AWS/RDS', '--metric-name', 'ServerlessDatabaseCapacity',
        '--dimensions', 'Name=DBClusterIdentifier,Value=lab', '--statistics', 'Average', 'Maximum', '--period', '60',
        '--start-time', start.toISOString(), '--end-time', end.toISOString(),
      ]),
      aws(['cloudwatch', 'describe-alarms'], 'x'.repeat(40)),
    ]);
    expect(history.AlarmHistoryItems).toEqual([
      expect.objectContaining({ AlarmName: ALARM, AlarmType: 'MetricAlarm', HistoryItemType: 'ConfigurationUpdate', HistorySummary: `Alarm "${ALARM}" created` }),
    ]);
    expect(JSON.parse(history.AlarmHistoryItems[0].HistoryData)).toMatchObject({ type: 'Create' });
    expect(data.MetricDataResults).toEqual([expect.objectContaining({ Id: 'acu', StatusCode: 'Complete', Timestamps: expect.any(Array), Values: expect.any(Array) })]);
    expect(stats).toMatchObject({ Label: 'ServerlessDatabaseCapacity', Datapoints: expect.any(Array) });
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toContain('An error occurred (SignatureDoesNotMatch) when calling the DescribeAlarms operation: The request signature we calculated does not match');

    const deleted = await aws(['cloudwatch', 'delete-alarms', '--alarm-names', ALARM]);
    expect(deleted.code, deleted.stderr).toBe(0);
    const [after, unknown] = await Promise.all([
      awsJson(['cloudwatch', 'describe-alarms', '--alarm-names', ALARM]),
      aws(['cloudwatch', 'delete-alarms', '--alarm-names', ALARM]),
    ]);
    expect(after.MetricAlarms).toEqual([]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain(`An error occurred (ResourceNotFound) when calling the DeleteAlarms operation: ${ALARM} not found`);
  }, 300_000);
});
