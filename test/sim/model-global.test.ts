import { describe, expect, it } from 'vitest';
import type { SimCloudOptions } from '../../src/sim/model/cloud.js';
import { code, simCloud, type ServiceCaller } from './sim-fixture.js';

const PRIMARY = 'us-east-1';
const SECONDARY = 'eu-west-1';

/** The model with its RDS calls in the primary region unless a call names another. */
const setup = (options: SimCloudOptions = {}) => simCloud(options, PRIMARY);

const CLUSTER = { DBClusterIdentifier: 'east', Engine: 'aurora-postgresql', MasterUsername: 'admin_user', MasterUserPassword: 'secret-pass-1' };
const instance = (id: string, cluster: string) => ({ DBInstanceIdentifier: id, DBClusterIdentifier: cluster, Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });

/** A primary cluster in us-east-1 and a secondary in eu-west-1, one instance each. */
async function globalDatabase(rds: ServiceCaller) {
  const east = await rds('CreateDBCluster', CLUSTER);
  await rds('CreateDBInstance', instance('east-1', 'east'));
  await rds('DescribeDBClusters');
  await rds('CreateGlobalCluster', { GlobalClusterIdentifier: 'world', SourceDBClusterIdentifier: east.DBCluster.DBClusterArn });
  const west = await rds('CreateDBCluster', { DBClusterIdentifier: 'west', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'world' }, SECONDARY);
  await rds('CreateDBInstance', instance('west-1', 'west'), SECONDARY);
  await rds('DescribeDBClusters', {}, SECONDARY);
  return { eastArn: east.DBCluster.DBClusterArn as string, westArn: west.DBCluster.DBClusterArn as string };
}

async function global(rds: ServiceCaller, region = PRIMARY) {
  return (await rds('DescribeGlobalClusters', { GlobalClusterIdentifier: 'world' }, region)).GlobalClusters[0];
}

describe('global clusters', () => {
  it('creates a global cluster from a source cluster and shows it from every region', async () => {
    const { rds } = setup();
    const { eastArn, westArn } = await globalDatabase(rds);
    const g = await global(rds, 'ap-southeast-2');
    expect(g).toMatchObject({ GlobalClusterIdentifier: 'world', Status: 'available', Engine: 'aurora-postgresql', GlobalClusterArn: 'arn:aws:rds::123456789012:global-cluster:world' });
    expect(g.GlobalClusterMembers).toEqual([
      expect.objectContaining({ DBClusterArn: eastArn, IsWriter: true, Readers: [westArn] }),
      expect.objectContaining({ DBClusterArn: westArn, IsWriter: false, Readers: [] }),
    ]);
    expect((await rds('DescribeDBClusters', {}, SECONDARY)).DBClusters.map((c: any) => c.DBClusterIdentifier)).toEqual(['west']);
    expect((await rds('DescribeDBClusters', { DBClusterIdentifier: 'east' })).DBClusters[0].GlobalClusterIdentifier).toBe('world');
  });

  it('gives a secondary cluster only readers and refuses master credentials on it', async () => {
    const { rds } = setup();
    await globalDatabase(rds);
    const west = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'west' }, SECONDARY)).DBClusters[0];
    expect(west.DBClusterMembers).toEqual([expect.objectContaining({ DBInstanceIdentifier: 'west-1', IsClusterWriter: false })]);
    expect(west.MasterUsername).toBe('admin_user');
    expect(
      await code(rds('CreateDBCluster', { DBClusterIdentifier: 'south', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'world', MasterUsername: 'x', MasterUserPassword: 'password-1' }, 'ap-south-1')),
    ).toBe('InvalidParameterCombination');
    expect(await code(rds('CreateDBInstance', { ...instance('west-t', 'west'), DBInstanceClass: 'db.t4g.medium' }, SECONDARY))).toBe('InvalidParameterCombination');
  });

  it('creates an empty global cluster from an engine, and refuses a duplicate or unknown one', async () => {
    const { rds } = setup();
    const g = await rds('CreateGlobalCluster', { GlobalClusterIdentifier: 'empty', Engine: 'aurora-mysql' });
    expect(g.GlobalCluster).toMatchObject({ Status: 'creating', GlobalClusterMembers: [] });
    expect(await code(rds('CreateGlobalCluster', { GlobalClusterIdentifier: 'empty', Engine: 'aurora-mysql' }))).toBe('GlobalClusterAlreadyExistsFault');
    expect(await code(rds('DescribeGlobalClusters', { GlobalClusterIdentifier: 'ghost' }))).toBe('GlobalClusterNotFoundFault');
    expect(await code(rds('CreateDBCluster', { ...CLUSTER, GlobalClusterIdentifier: 'ghost' }))).toBe('GlobalClusterNotFoundFault');
  });

  it('switches over through "switching-over": the target becomes writer, the old primary a secondary', async () => {
    const { rds, clock } = setup({ delays: { switchover: 3000 } });
    const { eastArn, westArn } = await globalDatabase(rds);
    const out = await rds('SwitchoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: westArn });
    expect(out.GlobalCluster.Status).toBe('switching-over');
    expect(out.GlobalCluster.FailoverState).toEqual({ Status: 'pending', FromDbClusterArn: eastArn, ToDbClusterArn: westArn, IsDataLossAllowed: false });
    expect(await code(rds('SwitchoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: westArn }))).toBe('InvalidGlobalClusterStateFault');
    clock.t += 3000;
    const g = await global(rds);
    expect(g.Status).toBe('available');
    expect(g.FailoverState).toBeUndefined();
    expect(g.GlobalClusterMembers.find((m: any) => m.IsWriter).DBClusterArn).toBe(westArn);
    const west = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'west' }, SECONDARY)).DBClusters[0];
    expect(west.DBClusterMembers[0].IsClusterWriter).toBe(true);
    const east = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'east' })).DBClusters[0];
    expect(east.DBClusterMembers[0].IsClusterWriter).toBe(false);
  });

  it('requires exactly one of AllowDataLoss and Switchover for FailoverGlobalCluster', async () => {
    const { rds } = setup();
    const { westArn } = await globalDatabase(rds);
    expect(await code(rds('FailoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: westArn }))).toBe('InvalidParameterCombination');
    expect(await code(rds('FailoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: westArn, AllowDataLoss: true, Switchover: true }))).toBe(
      'InvalidParameterCombination',
    );
    const out = await rds('FailoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: westArn, AllowDataLoss: true });
    expect(out.GlobalCluster.Status).toBe('failing-over');
    expect(out.GlobalCluster.FailoverState).toMatchObject({ Status: 'failing-over', IsDataLossAllowed: true });
    expect((await global(rds)).GlobalClusterMembers.find((m: any) => m.IsWriter).DBClusterArn).toBe(westArn);
  });

  it('fails back with data loss after a switchover: the old primary stays a member, a synchronized secondary with no writer', async () => {
    const { rds, clock } = setup({ delays: { switchover: 3000, failover: 3000, create: 5000 } });
    const settle = async () => {
      clock.t += 5000;
      await rds('DescribeDBClusters');
      await rds('DescribeDBClusters', {}, SECONDARY);
    };
    const eastArn = (await rds('CreateDBCluster', CLUSTER)).DBCluster.DBClusterArn as string;
    await rds('CreateDBInstance', instance('east-1', 'east'));
    await settle();
    await rds('CreateGlobalCluster', { GlobalClusterIdentifier: 'world', SourceDBClusterIdentifier: eastArn });
    await settle();
    const westArn = (await rds('CreateDBCluster', { DBClusterIdentifier: 'west', Engine: 'aurora-postgresql', GlobalClusterIdentifier: 'world' }, SECONDARY)).DBCluster.DBClusterArn as string;
    await settle();
    await rds('CreateDBInstance', instance('west-1', 'west'), SECONDARY);
    await settle();
    await rds('SwitchoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: westArn });
    clock.t += 3000;
    expect((await global(rds)).Status).toBe('available');
    // The unplanned move back, named by ARN from the target's region.
    const out = await rds('FailoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: eastArn, AllowDataLoss: true });
    expect(out.GlobalCluster.FailoverState).toEqual({ Status: 'failing-over', FromDbClusterArn: westArn, ToDbClusterArn: eastArn, IsDataLossAllowed: true });
    expect(await code(rds('FailoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: westArn, AllowDataLoss: true }))).toBe('InvalidGlobalClusterStateFault');
    clock.t += 3000;
    const g = await global(rds, SECONDARY);
    expect(g.Status).toBe('available');
    expect(g.FailoverState).toBeUndefined();
    // The old primary is rebuilt from the new one before it is a secondary again; until then no switchover can go to it.
    expect(g.GlobalClusterMembers).toEqual([
      expect.objectContaining({ DBClusterArn: eastArn, IsWriter: true, Readers: [westArn] }),
      expect.objectContaining({ DBClusterArn: westArn, IsWriter: false, SynchronizationStatus: 'pending-resync' }),
    ]);
    expect(await code(rds('SwitchoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: westArn }))).toBe('InvalidDBClusterStateFault');
    clock.t += 5000;
    expect((await global(rds)).GlobalClusterMembers[1]).toMatchObject({ DBClusterArn: westArn, SynchronizationStatus: 'connected' });
    const east = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'east' })).DBClusters[0];
    expect(east.DBClusterMembers).toEqual([expect.objectContaining({ DBInstanceIdentifier: 'east-1', IsClusterWriter: true })]);
    const west = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'west' }, SECONDARY)).DBClusters[0];
    expect(west.DBClusterMembers).toEqual([expect.objectContaining({ DBInstanceIdentifier: 'west-1', IsClusterWriter: false })]);
    // Failing over to the primary it already is is refused, as AWS does.
    expect(await code(rds('FailoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: eastArn, AllowDataLoss: true }))).toBe('InvalidParameterValue');
  });

  it('refuses to switch over to the current primary', async () => {
    const { rds } = setup();
    const { eastArn } = await globalDatabase(rds);
    expect(await code(rds('SwitchoverGlobalCluster', { GlobalClusterIdentifier: 'world', TargetDbClusterIdentifier: eastArn }))).toBe('InvalidParameterValue');
  });

  it('tears down in order: members cannot be deleted while attached, the primary leaves last, the global cluster when empty', async () => {
    const { rds } = setup();
    const { eastArn, westArn } = await globalDatabase(rds);
    expect(await code(rds('DeleteGlobalCluster', { GlobalClusterIdentifier: 'world' }))).toBe('InvalidGlobalClusterStateFault');
    await rds('DeleteDBInstance', { DBInstanceIdentifier: 'west-1' }, SECONDARY);
    expect(await code(rds('DeleteDBCluster', { DBClusterIdentifier: 'west', SkipFinalSnapshot: true }, SECONDARY))).toBe('InvalidDBClusterStateFault');
    expect(await code(rds('RemoveFromGlobalCluster', { GlobalClusterIdentifier: 'world', DbClusterIdentifier: eastArn }))).toBe('InvalidGlobalClusterStateFault');
    await rds('RemoveFromGlobalCluster', { GlobalClusterIdentifier: 'world', DbClusterIdentifier: westArn }, SECONDARY);
    await rds('DeleteDBCluster', { DBClusterIdentifier: 'west', SkipFinalSnapshot: true }, SECONDARY);
    await rds('RemoveFromGlobalCluster', { GlobalClusterIdentifier: 'world', DbClusterIdentifier: eastArn });
    expect((await rds('DescribeDBClusters', { DBClusterIdentifier: 'east' })).DBClusters[0].GlobalClusterIdentifier).toBeUndefined();
    expect((await rds('DeleteGlobalCluster', { GlobalClusterIdentifier: 'world' })).GlobalCluster.Status).toBe('deleting');
    expect((await rds('DescribeGlobalClusters')).GlobalClusters).toEqual([]);
  });

  it('makes a detached secondary a standalone cluster with a writer', async () => {
    const { rds } = setup();
    const { westArn } = await globalDatabase(rds);
    await rds('RemoveFromGlobalCluster', { GlobalClusterIdentifier: 'world', DbClusterIdentifier: westArn }, SECONDARY);
    const west = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'west' }, SECONDARY)).DBClusters[0];
    expect(west.DBClusterMembers[0].IsClusterWriter).toBe(true);
  });

  it('refuses a Secrets Manager managed master password on every member of a global database', async () => {
    const { rds } = setup();
    await rds('CreateGlobalCluster', { GlobalClusterIdentifier: 'empty', Engine: 'aurora-postgresql' });
    const managed = { DBClusterIdentifier: 'm1', Engine: 'aurora-postgresql', MasterUsername: 'admin_user', ManageMasterUserPassword: true };
    expect(await code(rds('CreateDBCluster', { ...managed, GlobalClusterIdentifier: 'empty' }))).toBe('InvalidParameterCombination');
    await rds('CreateDBCluster', managed);
    await rds('DescribeDBClusters');
    expect(await code(rds('CreateGlobalCluster', { GlobalClusterIdentifier: 'world', SourceDBClusterIdentifier: 'm1' }))).toBe('InvalidParameterCombination');
    await globalDatabase(rds);
    expect(await code(rds('ModifyDBCluster', { DBClusterIdentifier: 'east', ManageMasterUserPassword: true, ApplyImmediately: true }))).toBe('InvalidParameterCombination');
  });
});
