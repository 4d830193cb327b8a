/**
 * `teardown --all`'s search for the monitoring lab's types in a simulated account: alarms and log
 * groups through the tagging API, IAM roles through ListRoles + ListRoleTags (the tagging API lists
 * none), every listing followed across its pages, and RDS's own untagged log groups left alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/clients.js';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import type { Target } from '../../src/engine/target.js';
import { findTaggedResources, mergeRecords, parseArn, recordsOf } from '../../src/engine/teardown-all.js';
import type { ResourceRecord } from '../../src/state/run-state.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'monitoring.rds.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const tags = (run: string) => [{ Key: 'aurora-lab:run-id', Value: run }, { Key: 'aurora-lab:lab', Value: 'monitoring' }];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function account(): Promise<Target> {
  const dir = mkdtempSync(path.join(tmpdir(), 'alab-tdtypes-'));
  dirs.push(dir);
  return dryRunTarget({ region: 'us-east-1', runDir: dir });
}

/** The target's clients with every listing cut to one item a page, and the operations sent counted. */
function onePerPage(t: Target): { clients: AwsClients; sent: string[] } {
  const sent: string[] = [];
  const send: AwsClients['send'] = (service, operation, input, options) => {
    sent.push(operation);
    const small = operation === 'ListRoles' || operation === 'ListRoleTags' ? { ...input, MaxItems: 1 } : operation === 'GetResources' ? { ...input, ResourcesPerPage: 1 } : operation === 'DescribeLogGroups' ? { ...input, limit: 1 } : input;
    return t.clients.send(service, operation, small, options);
  };
  return { clients: Object.assign(Object.create(t.clients) as AwsClients, { send }), sent };
}

/** What a crashed monitoring run leaves: cluster, role, alarm and the log group it made for the export. */
async function monitoringLeftovers(t: Target, run: string, region = 'us-east-1') {
  const c = t.clients;
  await c.send('rds', 'CreateDBCluster', { DBClusterIdentifier: run, Engine: 'aurora-postgresql', MasterUsername: 'admin1', MasterUserPassword: 'not-a-secret-1', Tags: tags(run) }, { region });
  await c.send('iam', 'CreateRole', { RoleName: `${run}-monitoring`, AssumeRolePolicyDocument: TRUST, Tags: tags(run) }, { region });
  await c.send('cloudwatch', 'PutMetricAlarm', { AlarmName: `${run}-connections`, Namespace: 'AWS/RDS', MetricName: 'DatabaseConnections', Statistic: 'Maximum', Period: 60, EvaluationPeriods: 1, Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', Tags: tags(run) }, { region });
  await c.send('logs', 'CreateLogGroup', { logGroupName: `/aws/rds/cluster/${run}/postgresql`, tags: Object.fromEntries(tags(run).map((x) => [x.Key, x.Value])) }, { region });
}

describe('teardown --all finds the monitoring lab types', () => {
  it('reads an alarm\'s and a log group\'s type and id from the ARNs the tagging API lists', () => {
    expect(parseArn('arn:aws:cloudwatch:eu-west-1:123456789012:alarm:lab:connections')).toEqual({ type: 'cloudwatch-alarm', id: 'lab:connections', region: 'eu-west-1' });
    expect(parseArn('arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/cluster/lab/postgresql')).toEqual({ type: 'log-group', id: '/aws/rds/cluster/lab/postgresql', region: 'us-east-1' });
    expect(parseArn('arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/cluster/lab/postgresql:*')?.id).toBe('/aws/rds/cluster/lab/postgresql');
    expect(parseArn('arn:aws:cloudwatch:us-east-1:123456789012:dashboard/x')).toBeUndefined();
    expect(parseArn('arn:aws:logs:us-east-1:123456789012:destination:x')).toBeUndefined();
  });

  it('finds a run\'s role, alarm and log group across one-item pages of ListRoles, ListRoleTags and GetResources', async () => {
    const t = await account();
    try {
      for (const n of [1, 2, 3]) await t.clients.send('iam', 'CreateRole', { RoleName: `someone-${n}`, AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'team', Value: 'x' }] });
      await monitoringLeftovers(t, 'mon1');
      const { clients, sent } = onePerPage(t);
      const { runs } = await findTaggedResources(clients, ['us-east-1']);
      expect(runs.map((r) => r.runId)).toEqual(['mon1']);
      expect(runs[0]!.resources.map((r) => `${r.type} ${r.id} ${r.region}`).sort()).toEqual([
        'cloudwatch-alarm mon1-connections us-east-1',
        'db-cluster mon1 us-east-1',
        'iam-role mon1-monitoring us-east-1',
        'log-group /aws/rds/cluster/mon1/postgresql us-east-1',
      ]);
      // Four roles, one a page: four ListRoles calls; each role's tags read (two pages for the run's two tags).
      expect(sent.filter((o) => o === 'ListRoles')).toHaveLength(4);
      expect(sent.filter((o) => o === 'ListRoleTags').length).toBeGreaterThanOrEqual(5);
      expect(sent.filter((o) => o === 'GetResources').length).toBeGreaterThanOrEqual(3);
    } finally {
      await t.close();
    }
  });

  it('lists IAM once however many regions are searched, and gives the role its run\'s region', async () => {
    const t = await account();
    try {
      await monitoringLeftovers(t, 'mon2', 'eu-west-1');
      const { clients, sent } = onePerPage(t);
      const { runs } = await findTaggedResources(clients, ['us-east-1', 'eu-west-1', 'us-west-2']);
      expect(runs[0]!.resources.filter((r) => r.type === 'iam-role').map((r) => r.region)).toEqual(['eu-west-1']);
      // One role, one page: one ListRoles call for the three regions.
      expect(sent.filter((o) => o === 'ListRoles')).toHaveLength(1);
    } finally {
      await t.close();
    }
  });

  it('merges a role the run state recorded under another region into one record', () => {
    const local: ResourceRecord[] = [{ type: 'iam-role', id: 'mon3-monitoring', region: 'us-west-2', status: 'created', stepId: 'monitoring-role', createdAt: '2026-01-01T00:00:00Z' }];
    const found = recordsOf({ runId: 'mon3', resources: [{ type: 'iam-role', id: 'mon3-monitoring', region: 'us-east-1', tags: tags('mon3') }] });
    expect(mergeRecords(local, found)).toEqual(local);
  });

  it('leaves RDS\'s untagged log groups of a run\'s cluster alone and reports them; another cluster\'s are not mentioned', async () => {
    const t = await account();
    try {
      await monitoringLeftovers(t, 'mon4');
      // RDS makes a group for a log type the run did not make one for: untagged.
      await t.clients.send('logs', 'CreateLogGroup', { logGroupName: '/aws/rds/cluster/mon4/upgrade' });
      await t.clients.send('logs', 'CreateLogGroup', { logGroupName: '/aws/rds/cluster/not-ours/postgresql' });
      const { clients } = onePerPage(t);
      const found = await findTaggedResources(clients, ['us-east-1']);
      expect(found.runs[0]!.resources.filter((r) => r.type === 'log-group').map((r) => r.id)).toEqual(['/aws/rds/cluster/mon4/postgresql']);
      expect(found.leftAlone).toEqual([{ type: 'log-group', id: '/aws/rds/cluster/mon4/upgrade', region: 'us-east-1', runId: 'mon4', reason: expect.stringMatching(/not tagged by aurora-lab/) }]);
    } finally {
      await t.close();
    }
  });

  it('skips a role deleted between the listing and its tags, and never takes an untagged or service-linked role', async () => {
    const t = await account();
    try {
      await t.clients.send('iam', 'CreateRole', { RoleName: 'untagged', AssumeRolePolicyDocument: TRUST });
      await t.clients.send('iam', 'CreateRole', { RoleName: 'AWSServiceRoleForRDS', Path: '/aws-service-role/rds.amazonaws.com/', AssumeRolePolicyDocument: TRUST, Tags: tags('mon5') });
      await t.clients.send('iam', 'CreateRole', { RoleName: 'going', AssumeRolePolicyDocument: TRUST, Tags: tags('mon5') });
      const send: AwsClients['send'] = async (service, operation, input, options) => {
        if (operation === 'ListRoleTags' && input.RoleName === 'going') await t.clients.send('iam', 'DeleteRole', { RoleName: 'going' });
        return t.clients.send(service, operation, input, options);
      };
      const { runs } = await findTaggedResources(Object.assign(Object.create(t.clients) as AwsClients, { send }), ['us-east-1']);
      expect(runs).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
