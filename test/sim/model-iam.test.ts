/** IAM roles in the model: the trust policy checked as IAM checks it, managed policies, DeleteConflict, and RDS's use of the role. */
import { describe, expect, it } from 'vitest';
import { code, serviceCaller, simCloud } from './sim-fixture.js';

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'monitoring.rds.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole';

function setup() {
  const { sim, rds } = simCloud();
  return { sim, rds, iam: serviceCaller(sim, 'iam') };
}

async function cluster(rds: ReturnType<typeof setup>['rds']) {
  await rds('CreateDBCluster', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', MasterUsername: 'u', ManageMasterUserPassword: true });
}

describe('IAM roles', () => {
  it('creates a role with its trust policy (URL-encoded on the way out, as IAM answers), tags and an ARN', async () => {
    const { iam } = setup();
    const out = await iam('CreateRole', { RoleName: 'lab-monitoring', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'k', Value: 'v' }] });
    expect(out.Role).toMatchObject({ RoleName: 'lab-monitoring', Path: '/', Arn: 'arn:aws:iam::123456789012:role/lab-monitoring', RoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}$/) });
    expect(decodeURIComponent(out.Role.AssumeRolePolicyDocument)).toBe(TRUST);
    const got = await iam('GetRole', { RoleName: 'lab-monitoring' }, 'eu-west-1');
    expect(got.Role.Tags).toEqual([{ Key: 'k', Value: 'v' }]);
  });

  it('refuses a malformed trust policy, one with a Resource, a second role of the same name, and an unknown one', async () => {
    const { iam } = setup();
    expect(await code(iam('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: '{not json' }))).toBe('MalformedPolicyDocument');
    const withResource = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'monitoring.rds.amazonaws.com' }, Action: 'sts:AssumeRole', Resource: '*' }] });
    expect(await code(iam('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: withResource }))).toBe('MalformedPolicyDocument');
    await iam('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: TRUST });
    expect(await code(iam('CreateRole', { RoleName: 'R', AssumeRolePolicyDocument: TRUST }))).toBe('EntityAlreadyExists');
    expect(await code(iam('GetRole', { RoleName: 'nobody' }))).toBe('NoSuchEntity');
  });

  it('attaches only policies that exist and refuses to delete a role until its policies are detached', async () => {
    const { iam } = setup();
    await iam('CreateRole', { RoleName: 'r', AssumeRolePolicyDocument: TRUST });
    expect(await code(iam('AttachRolePolicy', { RoleName: 'r', PolicyArn: 'arn:aws:iam::aws:policy/NoSuchPolicy' }))).toBe('NoSuchEntity');
    await iam('AttachRolePolicy', { RoleName: 'r', PolicyArn: POLICY });
    expect((await iam('ListAttachedRolePolicies', { RoleName: 'r' })).AttachedPolicies).toEqual([{ PolicyName: 'AmazonRDSEnhancedMonitoringRole', PolicyArn: POLICY }]);
    expect(await code(iam('DeleteRole', { RoleName: 'r' }))).toBe('DeleteConflict');
    await iam('DetachRolePolicy', { RoleName: 'r', PolicyArn: POLICY });
    await iam('DeleteRole', { RoleName: 'r' });
    expect(await code(iam('GetRole', { RoleName: 'r' }))).toBe('NoSuchEntity');
  });
});

describe('Enhanced Monitoring settings on an instance', () => {
  it('needs a role for an interval other than 0, an interval for a role, and a role RDS may assume', async () => {
    const { iam, rds } = setup();
    await cluster(rds);
    const base = { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' };
    expect(await code(rds('CreateDBInstance', { ...base, DBInstanceIdentifier: 'i1', MonitoringInterval: 60 }))).toBe('InvalidParameterCombination');
    expect(await code(rds('CreateDBInstance', { ...base, DBInstanceIdentifier: 'i1', MonitoringInterval: 7, MonitoringRoleArn: 'arn:aws:iam::123456789012:role/x' }))).toBe('InvalidParameterValue');
    const ec2Trust = TRUST.replace('monitoring.rds', 'ec2');
    const wrong = await iam('CreateRole', { RoleName: 'ec2-role', AssumeRolePolicyDocument: ec2Trust });
    expect(await code(rds('CreateDBInstance', { ...base, DBInstanceIdentifier: 'i1', MonitoringInterval: 60, MonitoringRoleArn: wrong.Role.Arn }))).toBe('InvalidParameterValue');
    const role = await iam('CreateRole', { RoleName: 'mon', AssumeRolePolicyDocument: TRUST });
    expect(await code(rds('CreateDBInstance', { ...base, DBInstanceIdentifier: 'i1', MonitoringInterval: 0, MonitoringRoleArn: role.Role.Arn }))).toBe('InvalidParameterCombination');
    const made = await rds('CreateDBInstance', { ...base, DBInstanceIdentifier: 'i1', MonitoringInterval: 60, MonitoringRoleArn: role.Role.Arn });
    expect(made.DBInstance).toMatchObject({
      MonitoringInterval: 60,
      MonitoringRoleArn: role.Role.Arn,
      EnhancedMonitoringResourceArn: `arn:aws:logs:us-east-1:123456789012:log-group:RDSOSMetrics:log-stream:${made.DBInstance.DbiResourceId}`,
    });
  });

  it('turns monitoring off with ModifyDBInstance MonitoringInterval 0, which drops the role', async () => {
    const { iam, rds } = setup();
    await cluster(rds);
    const role = await iam('CreateRole', { RoleName: 'mon', AssumeRolePolicyDocument: TRUST });
    await rds('CreateDBInstance', { DBClusterIdentifier: 'c1', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', DBInstanceIdentifier: 'i1', MonitoringInterval: 5, MonitoringRoleArn: role.Role.Arn });
    await rds('DescribeDBInstances', {});
    const out = await rds('ModifyDBInstance', { DBInstanceIdentifier: 'i1', MonitoringInterval: 0, ApplyImmediately: true });
    expect(out.DBInstance.MonitoringInterval).toBe(0);
    expect(out.DBInstance.MonitoringRoleArn).toBeUndefined();
  });
});
