import { describe, expect, it } from 'vitest';
import { code, simCloud, type ServiceCaller } from './sim-fixture.js';

const REGION = 'us-east-1';

const CLUSTER = { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'admin_user', MasterUserPassword: 'secret-pass-1' };
const member = (id: string, extra: Record<string, unknown> = {}) => ({
  DBInstanceIdentifier: id,
  DBClusterIdentifier: 'lab',
  Engine: 'aurora-postgresql',
  DBInstanceClass: 'db.r6g.large',
  ...extra,
});

async function writerOf(rds: ServiceCaller): Promise<string | undefined> {
  const c = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'lab' })).DBClusters[0];
  return c.DBClusterMembers.find((m: { IsClusterWriter: boolean }) => m.IsClusterWriter)?.DBInstanceIdentifier;
}

describe('DB instances', () => {
  it('makes the first instance of a cluster its writer and later ones readers', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    const w = await rds('CreateDBInstance', member('w'));
    expect(w.DBInstance.DBInstanceStatus).toBe('creating');
    expect(w.DBInstance.Endpoint).toBeUndefined();
    await rds('CreateDBInstance', member('r1', { PromotionTier: 2 }));
    const c = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'lab' })).DBClusters[0];
    expect(c.DBClusterMembers).toEqual([
      { DBInstanceIdentifier: 'w', IsClusterWriter: true, DBClusterParameterGroupStatus: 'in-sync', PromotionTier: 1 },
      { DBInstanceIdentifier: 'r1', IsClusterWriter: false, DBClusterParameterGroupStatus: 'in-sync', PromotionTier: 2 },
    ]);
    const i = (await rds('DescribeDBInstances', { DBInstanceIdentifier: 'w' })).DBInstances[0];
    expect(i).toMatchObject({ DBInstanceStatus: 'available', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceArn: `arn:aws:rds:${REGION}:123456789012:db:w` });
    expect(i.DbiResourceId).toMatch(/^db-[A-Z0-9]{26}$/);
    expect(i.Endpoint).toEqual({ Address: expect.stringMatching(/^w\.[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com$/), Port: 5432, HostedZoneId: expect.any(String) });
  });

  it.each([
    ['MasterUsername', 'someone'],
    ['MasterUserPassword', 'password-1'],
    ['AllocatedStorage', 20],
    ['VpcSecurityGroupIds', ['sg-1']],
  ])('refuses %s on an Aurora instance with InvalidParameterCombination', async (field, value) => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    expect(await code(rds('CreateDBInstance', member('w', { [field]: value })))).toBe('InvalidParameterCombination');
  });

  it('refuses an instance class the engine does not offer and db.serverless before the cluster has a scaling configuration', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    expect(await code(rds('CreateDBInstance', member('w', { DBInstanceClass: 'db.t4g.micro' })))).toBe('InvalidParameterCombination');
    expect(await code(rds('CreateDBInstance', member('w', { DBInstanceClass: 'db.serverless' })))).toBe('InvalidParameterCombination');
    await rds('ModifyDBCluster', { DBClusterIdentifier: 'lab', ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 2 } });
    await rds('CreateDBInstance', member('w', { DBInstanceClass: 'db.serverless' }));
  });

  it('refuses an unknown cluster, a duplicate identifier and the quota-exceeding instance', async () => {
    const { rds } = simCloud({ quotas: { instancesPerRegion: 2 } });
    expect(await code(rds('CreateDBInstance', member('w')))).toBe('DBClusterNotFoundFault');
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBInstance', member('w'));
    expect(await code(rds('CreateDBInstance', member('w')))).toBe('DBInstanceAlreadyExists');
    await rds('CreateDBInstance', member('r'));
    expect(await code(rds('CreateDBInstance', member('x')))).toBe('InstanceQuotaExceeded');
  });

  it('answers an unknown instance with DBInstanceNotFound', async () => {
    const { rds } = simCloud();
    expect(await code(rds('DescribeDBInstances', { DBInstanceIdentifier: 'ghost' }))).toBe('DBInstanceNotFound');
    expect(await code(rds('DeleteDBInstance', { DBInstanceIdentifier: 'ghost' }))).toBe('DBInstanceNotFound');
  });

  it('creates a standalone RDS instance only with storage, master user and a password choice', async () => {
    const { rds } = simCloud();
    const base = { DBInstanceIdentifier: 'pg', Engine: 'postgres', DBInstanceClass: 'db.t4g.micro', MasterUsername: 'admin_user' };
    expect(await code(rds('CreateDBInstance', { ...base, MasterUserPassword: 'secret-pass-1' }))).toBe('InvalidParameterValue');
    expect(await code(rds('CreateDBInstance', { ...base, AllocatedStorage: 20 }))).toBe('InvalidParameterValue');
    expect(await code(rds('CreateDBInstance', { ...base, AllocatedStorage: 20, DBInstanceClass: 'db.serverless', MasterUserPassword: 'secret-pass-1' }))).toBe(
      'InvalidParameterCombination',
    );
    expect(await code(rds('CreateDBInstance', { ...base, Engine: 'aurora-postgresql', AllocatedStorage: 20, MasterUserPassword: 'secret-pass-1' }))).toBe(
      'InvalidParameterCombination',
    );
    const out = await rds('CreateDBInstance', { ...base, AllocatedStorage: 20, MasterUserPassword: 'secret-pass-1' });
    expect(out.DBInstance).toMatchObject({ Engine: 'postgres', AllocatedStorage: 20, MasterUsername: 'admin_user', DBInstanceStatus: 'creating' });
    expect(out.DBInstance.DBClusterIdentifier).toBeUndefined();
  });

  it('deletes a standalone instance only with SkipFinalSnapshot or a final snapshot', async () => {
    const { rds } = simCloud();
    await rds('CreateDBInstance', { DBInstanceIdentifier: 'pg', Engine: 'mysql', DBInstanceClass: 'db.t4g.micro', MasterUsername: 'admin_user', ManageMasterUserPassword: true, AllocatedStorage: 20 });
    await rds('DescribeDBInstances');
    expect(await code(rds('DeleteDBInstance', { DBInstanceIdentifier: 'pg' }))).toBe('InvalidParameterCombination');
    await rds('DeleteDBInstance', { DBInstanceIdentifier: 'pg', FinalDBSnapshotIdentifier: 'pg-final' });
    expect((await rds('DescribeDBSnapshots', { DBSnapshotIdentifier: 'pg-final' })).DBSnapshots[0].Engine).toBe('mysql');
    expect((await rds('DescribeDBInstances')).DBInstances).toEqual([]);
  });

  it('refuses to delete a protected instance and one already deleting', async () => {
    const { rds, clock } = simCloud({ delays: { delete: 100 } });
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBInstance', member('w', { DeletionProtection: true }));
    await rds('DescribeDBInstances');
    expect(await code(rds('DeleteDBInstance', { DBInstanceIdentifier: 'w' }))).toBe('InvalidParameterCombination');
    await rds('ModifyDBInstance', { DBInstanceIdentifier: 'w', DeletionProtection: false });
    expect((await rds('DeleteDBInstance', { DBInstanceIdentifier: 'w' })).DBInstance.DBInstanceStatus).toBe('deleting');
    expect(await code(rds('DeleteDBInstance', { DBInstanceIdentifier: 'w' }))).toBe('InvalidDBInstanceState');
    clock.t += 100;
    expect((await rds('DescribeDBInstances')).DBInstances).toEqual([]);
  });

  it('modifies class, promotion tier and Performance Insights, and validates them', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBInstance', member('w'));
    await rds('DescribeDBInstances');
    expect(await code(rds('ModifyDBInstance', { DBInstanceIdentifier: 'w', PromotionTier: 16 }))).toBe('InvalidParameterValue');
    expect(await code(rds('ModifyDBInstance', { DBInstanceIdentifier: 'w', DBInstanceClass: 'db.m1.small' }))).toBe('InvalidParameterCombination');
    const out = await rds('ModifyDBInstance', { DBInstanceIdentifier: 'w', DBInstanceClass: 'db.r7g.large', EnablePerformanceInsights: true, PromotionTier: 0 });
    expect(out.DBInstance).toMatchObject({ DBInstanceStatus: 'modifying', DBInstanceClass: 'db.r7g.large', PerformanceInsightsEnabled: true, PromotionTier: 0 });
    expect((await rds('DescribeDBInstances', { DBInstanceIdentifier: 'w' })).DBInstances[0].DBInstanceStatus).toBe('available');
  });

  it('reboots through "rebooting" and refuses a reboot of an instance that is not available', async () => {
    const { rds, clock } = simCloud({ delays: { reboot: 1000, create: 10 } });
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBInstance', member('w'));
    expect(await code(rds('RebootDBInstance', { DBInstanceIdentifier: 'w' }))).toBe('InvalidDBInstanceState');
    clock.t += 10;
    expect((await rds('RebootDBInstance', { DBInstanceIdentifier: 'w' })).DBInstance.DBInstanceStatus).toBe('rebooting');
    clock.t += 1000;
    expect((await rds('DescribeDBInstances', { DBInstanceIdentifier: 'w' })).DBInstances[0].DBInstanceStatus).toBe('available');
  });
});

describe('FailoverDBCluster', () => {
  async function cluster(rds: ServiceCaller, readers: [string, Record<string, unknown>][]) {
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBInstance', member('writer'));
    for (const [id, extra] of readers) await rds('CreateDBInstance', member(id, extra));
    await rds('DescribeDBClusters');
  }

  it('refuses to fail over a one-instance cluster with InvalidDBClusterStateFault', async () => {
    const { rds } = simCloud();
    await cluster(rds, []);
    expect(await code(rds('FailoverDBCluster', { DBClusterIdentifier: 'lab' }))).toBe('InvalidDBClusterStateFault');
  });

  it('shows "failing-over" and changes the writer after the failover delay', async () => {
    const { rds, clock } = simCloud({ delays: { failover: 5000 } });
    await cluster(rds, [['reader', {}]]);
    const out = await rds('FailoverDBCluster', { DBClusterIdentifier: 'lab' });
    expect(out.DBCluster.Status).toBe('failing-over');
    expect(await writerOf(rds)).toBe('writer');
    expect(await code(rds('FailoverDBCluster', { DBClusterIdentifier: 'lab' }))).toBe('InvalidDBClusterStateFault');
    clock.t += 5000;
    expect(await writerOf(rds)).toBe('reader');
    expect((await rds('DescribeDBClusters', { DBClusterIdentifier: 'lab' })).DBClusters[0].Status).toBe('available');
  });

  it('picks the reader with the lowest promotion tier', async () => {
    const { rds } = simCloud();
    await cluster(rds, [['a-tier5', { PromotionTier: 5 }], ['b-tier0', { PromotionTier: 0 }], ['c-tier3', { PromotionTier: 3 }]]);
    await rds('FailoverDBCluster', { DBClusterIdentifier: 'lab' });
    expect(await writerOf(rds)).toBe('b-tier0');
  });

  it('breaks a promotion-tier tie by the largest instance, then by name', async () => {
    const { rds } = simCloud();
    await cluster(rds, [['z-small', { PromotionTier: 1, DBInstanceClass: 'db.t4g.medium' }], ['y-big', { PromotionTier: 1 }], ['x-big', { PromotionTier: 1 }]]);
    await rds('FailoverDBCluster', { DBClusterIdentifier: 'lab' });
    expect(await writerOf(rds)).toBe('x-big');
  });

  it('fails over to the named target, and refuses a target outside the cluster or the writer itself', async () => {
    const { rds } = simCloud();
    await cluster(rds, [['r1', { PromotionTier: 0 }], ['r2', { PromotionTier: 9 }]]);
    expect(await code(rds('FailoverDBCluster', { DBClusterIdentifier: 'lab', TargetDBInstanceIdentifier: 'nope' }))).toBe('DBInstanceNotFound');
    expect(await code(rds('FailoverDBCluster', { DBClusterIdentifier: 'lab', TargetDBInstanceIdentifier: 'writer' }))).toBe('InvalidParameterValue');
    await rds('FailoverDBCluster', { DBClusterIdentifier: 'lab', TargetDBInstanceIdentifier: 'r2' });
    expect(await writerOf(rds)).toBe('r2');
  });

  it('promotes a reader when the writer is deleted', async () => {
    const { rds } = simCloud();
    await cluster(rds, [['r-high', { PromotionTier: 4 }], ['r-low', { PromotionTier: 1 }]]);
    await rds('DeleteDBInstance', { DBInstanceIdentifier: 'writer' });
    expect(await writerOf(rds)).toBe('r-low');
  });
});
