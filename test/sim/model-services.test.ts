import { describe, expect, it } from 'vitest';
import { SimCloud } from '../../src/sim/model/cloud.js';
import { code, simCloud } from './sim-fixture.js';

const REGION = 'us-east-1';

const CLUSTER = { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'admin_user' };

describe('managed master password (Secrets Manager)', () => {
  it('creates a secret with the username and a random password, and deletes it with the cluster', async () => {
    const { rds, call } = simCloud();
    const c = (await rds('CreateDBCluster', { ...CLUSTER, ManageMasterUserPassword: true })).DBCluster;
    expect(c.MasterUserSecret).toEqual({ SecretArn: expect.stringMatching(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!cluster-/), SecretStatus: 'active', KmsKeyId: expect.stringMatching(/^arn:aws:kms:/) });
    const secret = await call('secrets-manager', 'GetSecretValue', { SecretId: c.MasterUserSecret.SecretArn });
    const value = JSON.parse(secret.SecretString);
    expect(value.username).toBe('admin_user');
    expect(value.password).toMatch(/^\S{20,}$/);
    const other = (await rds('CreateDBCluster', { ...CLUSTER, DBClusterIdentifier: 'lab2', ManageMasterUserPassword: true })).DBCluster;
    const otherValue = JSON.parse((await call('secrets-manager', 'GetSecretValue', { SecretId: other.MasterUserSecret.SecretArn })).SecretString);
    expect(otherValue.password).not.toBe(value.password);
    const described = await call('secrets-manager', 'DescribeSecret', { SecretId: c.MasterUserSecret.SecretArn });
    expect(described).toMatchObject({ ARN: c.MasterUserSecret.SecretArn, OwningService: 'rds' });
    await rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true });
    await rds('DescribeDBClusters');
    expect(await code(call('secrets-manager', 'GetSecretValue', { SecretId: c.MasterUserSecret.SecretArn }))).toBe('ResourceNotFoundException');
  });

  it('rotates the managed password and turns management off only with a new MasterUserPassword', async () => {
    const { rds, call } = simCloud();
    const c = (await rds('CreateDBCluster', { ...CLUSTER, ManageMasterUserPassword: true })).DBCluster;
    await rds('DescribeDBClusters');
    const before = JSON.parse((await call('secrets-manager', 'GetSecretValue', { SecretId: c.MasterUserSecret.SecretArn })).SecretString).password;
    expect(await code(rds('ModifyDBCluster', { DBClusterIdentifier: 'lab', RotateMasterUserPassword: true }))).toBe('InvalidParameterCombination');
    await rds('ModifyDBCluster', { DBClusterIdentifier: 'lab', RotateMasterUserPassword: true, ApplyImmediately: true });
    const after = JSON.parse((await call('secrets-manager', 'GetSecretValue', { SecretId: c.MasterUserSecret.SecretArn })).SecretString).password;
    expect(after).not.toBe(before);
    await rds('DescribeDBClusters');
    expect(await code(rds('ModifyDBCluster', { DBClusterIdentifier: 'lab', ManageMasterUserPassword: false }))).toBe('InvalidParameterCombination');
    const off = await rds('ModifyDBCluster', { DBClusterIdentifier: 'lab', ManageMasterUserPassword: false, MasterUserPassword: 'new-pass-123' });
    expect(off.DBCluster.MasterUserSecret).toBeUndefined();
    expect(await code(call('secrets-manager', 'GetSecretValue', { SecretId: c.MasterUserSecret.SecretArn }))).toBe('ResourceNotFoundException');
  });

  it('creates and deletes the secret of a standalone instance with the instance', async () => {
    const { rds, call } = simCloud();
    const i = (await rds('CreateDBInstance', { DBInstanceIdentifier: 'pg', Engine: 'postgres', DBInstanceClass: 'db.t4g.micro', MasterUsername: 'pgadmin', ManageMasterUserPassword: true, AllocatedStorage: 20 })).DBInstance;
    expect(i.MasterUserSecret.SecretArn).toMatch(/secret:rds!db-/);
    await rds('DescribeDBInstances');
    await rds('DeleteDBInstance', { DBInstanceIdentifier: 'pg', SkipFinalSnapshot: true });
    await rds('DescribeDBInstances');
    expect(await code(call('secrets-manager', 'DescribeSecret', { SecretId: i.MasterUserSecret.SecretArn }))).toBe('ResourceNotFoundException');
  });
});

describe('EC2 network', () => {
  it('has a default VPC with three default subnets in different AZs per region', async () => {
    const { call } = simCloud();
    const vpcs = await call('ec2', 'DescribeVpcs', { Filters: [{ Name: 'isDefault', Values: ['true'] }] });
    expect(vpcs.Vpcs).toHaveLength(1);
    const vpcId = vpcs.Vpcs[0].VpcId;
    const subnets = await call('ec2', 'DescribeSubnets', { Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'default-for-az', Values: ['true'] }] });
    expect(new Set(subnets.Subnets.map((s: any) => s.AvailabilityZone))).toEqual(new Set(['us-east-1a', 'us-east-1b', 'us-east-1c']));
    const other = await call('ec2', 'DescribeVpcs', {}, 'eu-west-1');
    expect(other.Vpcs[0].VpcId).not.toBe(vpcId);
  });

  it('manages security groups: duplicate rules, and no deletion while a cluster uses the group', async () => {
    const { call, rds } = simCloud();
    const sg = await call('ec2', 'CreateSecurityGroup', { GroupName: 'lab-sg', Description: 'lab', TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: 'lab', Value: 'x' }] }] });
    expect(sg.GroupId).toMatch(/^sg-[0-9a-f]{17}$/);
    expect(await code(call('ec2', 'CreateSecurityGroup', { GroupName: 'lab-sg', Description: 'again' }))).toBe('InvalidGroup.Duplicate');
    const rule = { GroupId: sg.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432, IpRanges: [{ CidrIp: '203.0.113.7/32' }] }] };
    expect((await call('ec2', 'AuthorizeSecurityGroupIngress', rule)).Return).toBe(true);
    expect(await code(call('ec2', 'AuthorizeSecurityGroupIngress', rule))).toBe('InvalidPermission.Duplicate');
    const described = await call('ec2', 'DescribeSecurityGroups', { GroupIds: [sg.GroupId] });
    expect(described.SecurityGroups[0]).toMatchObject({ GroupName: 'lab-sg', Tags: [{ Key: 'lab', Value: 'x' }] });
    expect(described.SecurityGroups[0].IpPermissions[0]).toMatchObject({ FromPort: 5432, IpRanges: [{ CidrIp: '203.0.113.7/32' }] });
    await rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1', VpcSecurityGroupIds: [sg.GroupId] });
    expect(await code(call('ec2', 'DeleteSecurityGroup', { GroupId: sg.GroupId }))).toBe('DependencyViolation');
    await rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true });
    await rds('DescribeDBClusters');
    await call('ec2', 'DeleteSecurityGroup', { GroupId: sg.GroupId });
    expect(await code(call('ec2', 'DescribeSecurityGroups', { GroupIds: [sg.GroupId] }))).toBe('InvalidGroup.NotFound');
  });

  it('tags security groups with CreateTags and lists them with DescribeTags', async () => {
    const { call } = simCloud();
    const sg = await call('ec2', 'CreateSecurityGroup', { GroupName: 'g', Description: 'g' });
    await call('ec2', 'CreateTags', { Resources: [sg.GroupId], Tags: [{ Key: 'run', Value: 'r1' }] });
    const tags = await call('ec2', 'DescribeTags', { Filters: [{ Name: 'resource-id', Values: [sg.GroupId] }] });
    expect(tags.Tags).toEqual([{ Key: 'run', Value: 'r1', ResourceId: sg.GroupId, ResourceType: 'security-group' }]);
  });
});

describe('subnet and parameter groups', () => {
  it('creates a subnet group over two AZs, refuses one AZ, duplicates and deleting one in use', async () => {
    const { call, rds } = simCloud();
    const subnets = (await call('ec2', 'DescribeSubnets')).Subnets.map((s: any) => s.SubnetId);
    expect(await code(rds('CreateDBSubnetGroup', { DBSubnetGroupName: 'one', DBSubnetGroupDescription: 'd', SubnetIds: [subnets[0]] }))).toBe('DBSubnetGroupDoesNotCoverEnoughAZs');
    expect(await code(rds('CreateDBSubnetGroup', { DBSubnetGroupName: 'bad', DBSubnetGroupDescription: 'd', SubnetIds: ['subnet-123', subnets[0]] }))).toBe('InvalidSubnet');
    await rds('CreateDBSubnetGroup', { DBSubnetGroupName: 'Lab-Subnets', DBSubnetGroupDescription: 'd', SubnetIds: subnets });
    expect(await code(rds('CreateDBSubnetGroup', { DBSubnetGroupName: 'lab-subnets', DBSubnetGroupDescription: 'd', SubnetIds: subnets }))).toBe('DBSubnetGroupAlreadyExists');
    expect(await code(rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1', DBSubnetGroupName: 'ghost' }))).toBe('DBSubnetGroupNotFoundFault');
    await rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1', DBSubnetGroupName: 'lab-subnets' });
    expect(await code(rds('DeleteDBSubnetGroup', { DBSubnetGroupName: 'lab-subnets' }))).toBe('InvalidDBSubnetGroupStateFault');
    expect((await rds('DescribeDBSubnetGroups', { DBSubnetGroupName: 'lab-subnets' })).DBSubnetGroups[0].Subnets).toHaveLength(3);
    expect(await code(rds('DeleteDBSubnetGroup', { DBSubnetGroupName: 'ghost' }))).toBe('DBSubnetGroupNotFoundFault');
  });

  it('creates and deletes cluster parameter groups and refuses unknown ones on a cluster', async () => {
    const { rds } = simCloud();
    const pg = await rds('CreateDBClusterParameterGroup', { DBClusterParameterGroupName: 'lab-pg', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'd' });
    expect(pg.DBClusterParameterGroup.DBClusterParameterGroupArn).toBe('arn:aws:rds:us-east-1:123456789012:cluster-pg:lab-pg');
    expect(await code(rds('CreateDBClusterParameterGroup', { DBClusterParameterGroupName: 'lab-pg', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'd' }))).toBe(
      'DBParameterGroupAlreadyExists',
    );
    expect(await code(rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1', DBClusterParameterGroupName: 'ghost' }))).toBe('DBClusterParameterGroupNotFound');
    await rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1', DBClusterParameterGroupName: 'lab-pg' });
    expect(await code(rds('DeleteDBClusterParameterGroup', { DBClusterParameterGroupName: 'lab-pg' }))).toBe('InvalidDBParameterGroupState');
    await rds('CreateDBParameterGroup', { DBParameterGroupName: 'inst-pg', DBParameterGroupFamily: 'aurora-postgresql16', Description: 'd' });
    await rds('DeleteDBParameterGroup', { DBParameterGroupName: 'inst-pg' });
    expect(await code(rds('DeleteDBParameterGroup', { DBParameterGroupName: 'inst-pg' }))).toBe('DBParameterGroupNotFound');
  });
});

describe('tags and the tagging API', () => {
  it('adds, lists and removes RDS tags by ARN', async () => {
    const { rds } = simCloud();
    const arn = (await rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1', Tags: [{ Key: 'a', Value: '1' }] })).DBCluster.DBClusterArn;
    await rds('AddTagsToResource', { ResourceName: arn, Tags: [{ Key: 'b', Value: '2' }, { Key: 'a', Value: 'x' }] });
    expect((await rds('ListTagsForResource', { ResourceName: arn })).TagList).toEqual([{ Key: 'b', Value: '2' }, { Key: 'a', Value: 'x' }]);
    await rds('RemoveTagsFromResource', { ResourceName: arn, TagKeys: ['a'] });
    expect((await rds('DescribeDBClusters')).DBClusters[0].TagList).toEqual([{ Key: 'b', Value: '2' }]);
    expect(await code(rds('ListTagsForResource', { ResourceName: 'arn:aws:rds:us-east-1:123456789012:db:ghost' }))).toBe('DBInstanceNotFound');
  });

  it('keeps listing a deleted resource for the tagging lag, while Describe already says it is gone', async () => {
    const { rds, call, clock } = simCloud({ delays: { taggingLag: 30_000 } });
    const tags = [{ Key: 'aurora-lab:run', Value: 'r1' }];
    await rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1', Tags: tags });
    const sg = await call('ec2', 'CreateSecurityGroup', { GroupName: 'g', Description: 'g', TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }] });
    const query = { TagFilters: [{ Key: 'aurora-lab:run', Values: ['r1'] }], ResourceTypeFilters: ['rds:cluster', 'ec2:security-group'] };
    expect((await call('tagging', 'GetResources', query)).ResourceTagMappingList).toHaveLength(2);
    await rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true });
    await rds('DescribeDBClusters');
    await call('ec2', 'DeleteSecurityGroup', { GroupId: sg.GroupId });
    expect((await rds('DescribeDBClusters')).DBClusters).toEqual([]);
    const lagging = (await call('tagging', 'GetResources', query)).ResourceTagMappingList.map((r: any) => r.ResourceARN);
    expect(lagging).toEqual(['arn:aws:rds:us-east-1:123456789012:cluster:lab', `arn:aws:ec2:us-east-1:123456789012:security-group/${sg.GroupId}`]);
    clock.t += 30_000;
    expect((await call('tagging', 'GetResources', query)).ResourceTagMappingList).toEqual([]);
  });

  it('filters GetResources by resource type and tag key', async () => {
    const { rds, call } = simCloud();
    await rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1', Tags: [{ Key: 'k', Value: 'v' }] });
    await rds('CreateDBInstance', { DBInstanceIdentifier: 'w', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', Tags: [{ Key: 'k', Value: 'other' }] });
    expect((await call('tagging', 'GetResources', { ResourceTypeFilters: ['rds:db'] })).ResourceTagMappingList.map((r: any) => r.ResourceARN)).toEqual([
      'arn:aws:rds:us-east-1:123456789012:db:w',
    ]);
    expect((await call('tagging', 'GetResources', { TagFilters: [{ Key: 'k' }] })).ResourceTagMappingList).toHaveLength(2);
    expect((await call('tagging', 'GetResources', { TagFilters: [{ Key: 'k', Values: ['v'] }] })).ResourceTagMappingList).toHaveLength(1);
  });
});

describe('STS, CloudWatch and Performance Insights', () => {
  it('names the simulated caller', async () => {
    const { call } = simCloud({ accountId: '111122223333' });
    expect(await call('sts', 'GetCallerIdentity')).toEqual({ Account: '111122223333', Arn: 'arn:aws:iam::111122223333:user/aurora-lab-sim', UserId: expect.stringMatching(/^AIDA/) });
  });

  it('synthesizes ServerlessDatabaseCapacity within the scaling range, and uses a metrics provider when given', async () => {
    const { rds, call, clock } = simCloud();
    await rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 } });
    clock.t += 3600_000;
    const query = {
      StartTime: new Date(clock.t - 1800_000),
      EndTime: new Date(clock.t),
      MetricDataQueries: [
        { Id: 'acu', MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'ServerlessDatabaseCapacity', Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'lab' }] }, Period: 60, Stat: 'Average' } },
      ],
    };
    const out = await call('cloudwatch', 'GetMetricData', query);
    const r = out.MetricDataResults[0];
    expect(r.Values).toHaveLength(30);
    expect(r.Values.every((v: number) => v >= 0.5 && v <= 4 && v * 2 === Math.round(v * 2))).toBe(true);
    expect(r.Timestamps[0].getTime()).toBeGreaterThan(r.Timestamps[1].getTime());
    const fed = new SimCloud({ now: () => clock.t, metrics: (q) => ({ timestamps: [q.end], values: [q.dimensions['DBClusterIdentifier'] === 'lab' ? 1.5 : 0] }) });
    const real = await fed.call({ service: 'cloudwatch', operation: 'GetMetricData', input: query, region: REGION });
    expect((real as any).MetricDataResults[0].Values).toEqual([1.5]);
  });

  it('returns GetMetricData oldest first only when ScanBy asks for it, and refuses what CloudWatch refuses', async () => {
    const { rds, call, clock } = simCloud();
    await rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 } });
    clock.t += 1800_000;
    const query = (extra: Record<string, unknown>, period = 60) => ({
      StartTime: new Date(clock.t - 1800_000),
      EndTime: new Date(clock.t),
      MetricDataQueries: [
        { Id: 'acu', MetricStat: { Metric: { Namespace: 'AWS/RDS', MetricName: 'ServerlessDatabaseCapacity', Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'lab' }] }, Period: period, Stat: 'Average' } },
      ],
      ...extra,
    });
    const newest = (await call('cloudwatch', 'GetMetricData', query({}))).MetricDataResults[0];
    const oldest = (await call('cloudwatch', 'GetMetricData', query({ ScanBy: 'TimestampAscending' }))).MetricDataResults[0];
    const times = (r: any) => r.Timestamps.map((t: Date) => t.getTime());
    expect(times(oldest).length).toBeGreaterThan(2);
    expect(times(oldest)).toEqual([...times(newest)].reverse());
    expect(times(oldest)[0]).toBeLessThan(times(oldest)[1]);
    expect(oldest.Values).toEqual([...newest.Values].reverse());
    expect(await code(call('cloudwatch', 'GetMetricData', query({ ScanBy: 'Newest' })))).toBe('InvalidParameterValue');
    expect(await code(call('cloudwatch', 'GetMetricData', query({}, 45)))).toBe('InvalidParameterValue');
    expect(await code(call('cloudwatch', 'GetMetricData', { ...query({}), MetricDataQueries: [] }))).toBe('InvalidParameterValue');
  });

  it('answers Performance Insights by DbiResourceId with load grouped by statement', async () => {
    const { rds, call, clock } = simCloud();
    await rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'secret-pass-1' });
    const i = (await rds('CreateDBInstance', { DBInstanceIdentifier: 'w', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' })).DBInstance;
    const window = { ServiceType: 'RDS', Identifier: i.DbiResourceId, StartTime: new Date(clock.t), EndTime: new Date(clock.t + 600_000), PeriodInSeconds: 60 };
    clock.t += 600_000;
    expect(await code(call('pi', 'DescribeDimensionKeys', { ...window, Metric: 'db.load.avg', GroupBy: { Group: 'db.sql_tokenized' } }))).toBe('InvalidArgumentException');
    await rds('ModifyDBInstance', { DBInstanceIdentifier: 'w', EnablePerformanceInsights: true });
    const keys = await call('pi', 'DescribeDimensionKeys', { ...window, Metric: 'db.load.avg', GroupBy: { Group: 'db.sql_tokenized', Limit: 2 } });
    expect(keys.Keys).toHaveLength(2);
    expect(keys.Keys[0].Dimensions['db.sql_tokenized.statement']).toMatch(/pgbench/);
    expect(keys.Keys[0].Total).toBeGreaterThanOrEqual(keys.Keys[1].Total);
    const metrics = await call('pi', 'GetResourceMetrics', { ...window, MetricQueries: [{ Metric: 'db.load.avg', GroupBy: { Group: 'db.sql_tokenized', Limit: 3 } }] });
    expect(metrics.Identifier).toBe(i.DbiResourceId);
    expect(metrics.MetricList).toHaveLength(4);
    expect(metrics.MetricList[0].DataPoints).toHaveLength(10);
    expect(await code(call('pi', 'GetResourceMetrics', { ...window, Identifier: 'db-UNKNOWN', MetricQueries: [{ Metric: 'db.load.avg' }] }))).toBe('InvalidArgumentException');
  });
});
