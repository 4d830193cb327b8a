/**
 * What `teardown --all` relies on in the model, as strict as AWS: the tagging API pages (ResourcesPerPage,
 * PaginationToken), lists alarms and log groups but never IAM roles, and keeps listing deleted ones for
 * a while; IAM's ListRoles pages by Marker and carries no tags, ListRoleTags pages too.
 */
import { describe, expect, it } from 'vitest';
import { code, serviceCaller, simCloud } from './sim-fixture.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'monitoring.rds.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const RUN = [{ Key: 'aurora-lab:run-id', Value: 'r1' }];

function setup() {
  const { sim, clock } = simCloud();
  return { clock, iam: serviceCaller(sim, 'iam'), tagging: serviceCaller(sim, 'tagging'), cw: serviceCaller(sim, 'cloudwatch'), logs: serviceCaller(sim, 'logs') };
}

const alarm = (name: string) => ({ AlarmName: name, Namespace: 'AWS/RDS', MetricName: 'DatabaseConnections', Statistic: 'Maximum', Period: 60, EvaluationPeriods: 1, Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', Tags: RUN });

describe('the tagging API for teardown --all', () => {
  it('lists tagged alarms and log groups by their ARNs, and no IAM role even when asked for iam:role', async () => {
    const { iam, tagging, cw, logs } = setup();
    await cw('PutMetricAlarm', alarm('lab-connections'));
    await logs('CreateLogGroup', { logGroupName: '/aws/rds/cluster/lab/postgresql', tags: { 'aurora-lab:run-id': 'r1' } });
    await logs('CreateLogGroup', { logGroupName: '/aws/rds/cluster/other/postgresql' });
    await iam('CreateRole', { RoleName: 'lab-monitoring', AssumeRolePolicyDocument: TRUST, Tags: RUN });
    const out = await tagging('GetResources', { ResourceTypeFilters: ['cloudwatch:alarm', 'logs:log-group', 'iam:role'], TagFilters: [{ Key: 'aurora-lab:run-id' }] });
    expect(out.ResourceTagMappingList.map((m: { ResourceARN: string }) => m.ResourceARN)).toEqual([
      'arn:aws:cloudwatch:us-east-1:123456789012:alarm:lab-connections',
      'arn:aws:logs:us-east-1:123456789012:log-group:/aws/rds/cluster/lab/postgresql',
    ]);
    expect(out.PaginationToken).toBe('');
    expect((await tagging('GetResources', { ResourceTypeFilters: ['iam'] })).ResourceTagMappingList).toEqual([]);
  });

  it('pages with ResourcesPerPage and a PaginationToken, and refuses a token it did not issue or a page size over 100', async () => {
    const { tagging, cw } = setup();
    for (const n of [1, 2, 3, 4, 5]) await cw('PutMetricAlarm', alarm(`a${n}`));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await tagging('GetResources', { ResourcesPerPage: 2, ...(token ? { PaginationToken: token } : {}) });
      expect(out.ResourceTagMappingList.length).toBeLessThanOrEqual(2);
      seen.push(...out.ResourceTagMappingList.map((m: { ResourceARN: string }) => m.ResourceARN.split(':').pop()));
      token = out.PaginationToken || undefined;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(await code(tagging('GetResources', { PaginationToken: 'bm90LW91cnM' }))).toBe('InvalidParameterException');
    expect(await code(tagging('GetResources', { ResourcesPerPage: 101 }))).toBe('InvalidParameterException');
  });

  it('keeps listing a deleted alarm and log group for the tagging lag, then drops them', async () => {
    const { tagging, cw, logs, clock } = setup();
    await cw('PutMetricAlarm', alarm('gone-soon'));
    await logs('CreateLogGroup', { logGroupName: '/lab/gone', tags: { 'aurora-lab:run-id': 'r1' } });
    await cw('DeleteAlarms', { AlarmNames: ['gone-soon'] });
    await logs('DeleteLogGroup', { logGroupName: '/lab/gone' });
    const listed = async () => (await tagging('GetResources', { TagFilters: [{ Key: 'aurora-lab:run-id' }] })).ResourceTagMappingList.length;
    expect(await listed()).toBe(2);
    expect((await cw('DescribeAlarms', { AlarmNames: ['gone-soon'] })).MetricAlarms).toEqual([]);
    clock.t += 61_000;
    expect(await listed()).toBe(0);
  });
});

describe('IAM listing for teardown --all', () => {
  it('pages ListRoles by Marker (IsTruncated), without tags, and refuses a Marker it did not issue', async () => {
    const { iam } = setup();
    for (const n of [1, 2, 3]) await iam('CreateRole', { RoleName: `role-${n}`, AssumeRolePolicyDocument: TRUST, Tags: RUN });
    const first = await iam('ListRoles', { MaxItems: 2 });
    expect(first.Roles.map((r: { RoleName: string }) => r.RoleName)).toEqual(['role-1', 'role-2']);
    expect(first.IsTruncated).toBe(true);
    expect(first.Roles[0].Tags).toBeUndefined();
    const second = await iam('ListRoles', { MaxItems: 2, Marker: first.Marker });
    expect(second.Roles.map((r: { RoleName: string }) => r.RoleName)).toEqual(['role-3']);
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
    expect(await code(iam('ListRoles', { Marker: 'garbage' }))).toBe('ValidationError');
    expect(await code(iam('ListRoles', { MaxItems: 1001 }))).toBe('ValidationError');
  });

  it('pages ListRoleTags, whose Marker serves only the role it was issued for', async () => {
    const { iam } = setup();
    const tags = [1, 2, 3].map((n) => ({ Key: `k${n}`, Value: `v${n}` }));
    await iam('CreateRole', { RoleName: 'tagged', AssumeRolePolicyDocument: TRUST, Tags: tags });
    await iam('CreateRole', { RoleName: 'other', AssumeRolePolicyDocument: TRUST });
    const first = await iam('ListRoleTags', { RoleName: 'tagged', MaxItems: 2 });
    expect(first).toMatchObject({ Tags: tags.slice(0, 2), IsTruncated: true });
    expect((await iam('ListRoleTags', { RoleName: 'tagged', Marker: first.Marker })).Tags).toEqual(tags.slice(2));
    expect(await code(iam('ListRoleTags', { RoleName: 'other', Marker: first.Marker }))).toBe('ValidationError');
  });
});
