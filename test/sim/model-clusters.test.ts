import { describe, expect, it } from 'vitest';
import { SimError, type SimCall } from '../../src/sim/types.js';
import { simCloud, simErrorOf, type ServiceCaller } from './sim-fixture.js';

const REGION = 'us-east-1';

/** The code, HTTP status and message of the SimError that `p` fails with. */
async function code(p: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  const err = await simErrorOf(p);
  return { code: err.code, status: err.httpStatus, message: err.message };
}

const CLUSTER = { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'admin_user', MasterUserPassword: 'secret-pass-1' };

async function clusterStatus(rds: ServiceCaller, id = 'lab'): Promise<string> {
  const out = (await rds('DescribeDBClusters', { DBClusterIdentifier: id })) as { DBClusters: { Status: string }[] };
  return out.DBClusters[0]!.Status;
}

describe('DB clusters', () => {
  it('returns "creating" from CreateDBCluster and "available" on the next Describe with zero delays', async () => {
    const { rds } = simCloud();
    const out = (await rds('CreateDBCluster', CLUSTER)) as { DBCluster: Record<string, unknown> };
    expect(out.DBCluster['Status']).toBe('creating');
    expect(await clusterStatus(rds)).toBe('available');
  });

  it('stays "creating" until the create delay has passed on the clock', async () => {
    const { rds, clock } = simCloud({ delays: { create: 60_000 } });
    await rds('CreateDBCluster', CLUSTER);
    clock.t += 59_999;
    expect(await clusterStatus(rds)).toBe('creating');
    clock.t += 1;
    expect(await clusterStatus(rds)).toBe('available');
  });

  it('answers with the SDK member names, AWS-like endpoints, ARN and resource id', async () => {
    const { rds, sim } = simCloud();
    const c = ((await rds('CreateDBCluster', { ...CLUSTER, Tags: [{ Key: 'lab', Value: 'x' }] })) as { DBCluster: Record<string, unknown> }).DBCluster;
    expect(c['DBClusterArn']).toBe(`arn:aws:rds:${REGION}:${sim.accountId}:cluster:lab`);
    expect(c['Endpoint']).toMatch(/^lab\.cluster-[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com$/);
    expect(c['ReaderEndpoint']).toMatch(/^lab\.cluster-ro-[a-z0-9]{12}\.us-east-1\.rds\.amazonaws\.com$/);
    expect(c['Port']).toBe(5432);
    expect(c['DbClusterResourceId']).toMatch(/^cluster-[A-Z0-9]{26}$/);
    expect(c['TagList']).toEqual([{ Key: 'lab', Value: 'x' }]);
    expect(c['ClusterCreateTime']).toBeInstanceOf(Date);
    expect(c['DBClusterMembers']).toEqual([]);
  });

  it('uses port 3306 for aurora-mysql', async () => {
    const { rds } = simCloud();
    const c = ((await rds('CreateDBCluster', { ...CLUSTER, Engine: 'aurora-mysql' })) as { DBCluster: Record<string, unknown> }).DBCluster;
    expect(c['Port']).toBe(3306);
    expect(c['EngineVersion']).toMatch(/mysql_aurora/);
  });

  it('refuses a second cluster with the same identifier (DBClusterAlreadyExistsFault), case-insensitively', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    expect((await code(rds('CreateDBCluster', { ...CLUSTER, DBClusterIdentifier: 'LAB' }))).code).toBe('DBClusterAlreadyExistsFault');
  });

  it('answers an unknown cluster with DBClusterNotFoundFault and HTTP 404', async () => {
    const { rds } = simCloud();
    expect(await code(rds('DescribeDBClusters', { DBClusterIdentifier: 'nope' }))).toMatchObject({ code: 'DBClusterNotFoundFault', status: 404 });
  });

  it('finds clusters by the db-cluster-id filter and lists all of the region without one', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBCluster', { ...CLUSTER, DBClusterIdentifier: 'other' });
    const filtered = (await rds('DescribeDBClusters', { Filters: [{ Name: 'db-cluster-id', Values: ['other'] }] })) as { DBClusters: { DBClusterIdentifier: string }[] };
    expect(filtered.DBClusters.map((c) => c.DBClusterIdentifier)).toEqual(['other']);
    const all = (await rds('DescribeDBClusters')) as { DBClusters: unknown[] };
    expect(all.DBClusters).toHaveLength(2);
  });

  it('keeps resources in the region that created them', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    expect(await code(rds('DescribeDBClusters', { DBClusterIdentifier: 'lab' }, 'eu-west-1'))).toMatchObject({ code: 'DBClusterNotFoundFault' });
    expect(((await rds('DescribeDBClusters', {}, 'eu-west-1')) as { DBClusters: unknown[] }).DBClusters).toEqual([]);
    await rds('CreateDBCluster', CLUSTER, 'eu-west-1');
    expect(((await rds('DescribeDBClusters', {}, REGION)) as { DBClusters: unknown[] }).DBClusters).toHaveLength(1);
  });

  it('validates engine, version and master password the way RDS does', async () => {
    const { rds } = simCloud();
    expect((await code(rds('CreateDBCluster', { ...CLUSTER, Engine: 'oracle-ee' }))).code).toBe('InvalidParameterValue');
    expect((await code(rds('CreateDBCluster', { ...CLUSTER, EngineVersion: '9.6.1' }))).code).toBe('InvalidParameterCombination');
    const { MasterUserPassword: _, ...noPassword } = CLUSTER;
    expect((await code(rds('CreateDBCluster', noPassword))).code).toBe('InvalidParameterValue');
    expect((await code(rds('CreateDBCluster', { ...CLUSTER, ManageMasterUserPassword: true }))).code).toBe('InvalidParameterCombination');
    expect((await code(rds('CreateDBCluster', { ...CLUSTER, MasterUserPassword: 'short' }))).code).toBe('InvalidParameterValue');
  });

  it('refuses the 41st cluster of a region with DBClusterQuotaExceededFault', async () => {
    const { rds } = simCloud();
    for (let n = 0; n < 40; n++) await rds('CreateDBCluster', { ...CLUSTER, DBClusterIdentifier: `c${n}` });
    expect(await code(rds('CreateDBCluster', { ...CLUSTER, DBClusterIdentifier: 'c40' }))).toMatchObject({ code: 'DBClusterQuotaExceededFault', status: 403 });
    await rds('CreateDBCluster', { ...CLUSTER, DBClusterIdentifier: 'c40' }, 'eu-west-1');
  });

  it('refuses to delete a cluster that still has instances (InvalidDBClusterStateFault)', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBInstance', { DBInstanceIdentifier: 'w', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });
    expect((await code(rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true }))).code).toBe('InvalidDBClusterStateFault');
  });

  it('accepts deleting a cluster whose instances are already deleting, and removes it after them', async () => {
    const { rds, clock } = simCloud({ delays: { delete: 1000 } });
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBInstance', { DBInstanceIdentifier: 'w', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });
    await rds('DescribeDBClusters');
    await rds('DeleteDBInstance', { DBInstanceIdentifier: 'w' });
    const out = (await rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true })) as { DBCluster: { Status: string } };
    expect(out.DBCluster.Status).toBe('deleting');
    expect(await clusterStatus(rds)).toBe('deleting');
    clock.t += 1000;
    expect((await code(rds('DescribeDBClusters', { DBClusterIdentifier: 'lab' }))).code).toBe('DBClusterNotFoundFault');
  });

  it('refuses to delete a protected cluster with InvalidParameterCombination until protection is turned off', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', { ...CLUSTER, DeletionProtection: true });
    await rds('DescribeDBClusters');
    expect((await code(rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true }))).code).toBe('InvalidParameterCombination');
    await rds('ModifyDBCluster', { DBClusterIdentifier: 'lab', DeletionProtection: false });
    await rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true });
    expect(((await rds('DescribeDBClusters')) as { DBClusters: unknown[] }).DBClusters).toEqual([]);
  });

  it('requires SkipFinalSnapshot or FinalDBSnapshotIdentifier, not both, and takes the final snapshot', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('DescribeDBClusters');
    expect((await code(rds('DeleteDBCluster', { DBClusterIdentifier: 'lab' }))).code).toBe('InvalidParameterCombination');
    expect((await code(rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true, FinalDBSnapshotIdentifier: 'f' }))).code).toBe(
      'InvalidParameterCombination',
    );
    await rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', FinalDBSnapshotIdentifier: 'final-snap' });
    const snaps = (await rds('DescribeDBClusterSnapshots', { DBClusterSnapshotIdentifier: 'final-snap' })) as { DBClusterSnapshots: { Status: string; DBClusterIdentifier: string }[] };
    expect(snaps.DBClusterSnapshots[0]).toMatchObject({ Status: 'available', DBClusterIdentifier: 'lab' });
  });

  it('changes nothing when a call is refused', async () => {
    const { rds, sim } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 'taken', DBClusterIdentifier: 'lab' });
    await rds('DescribeDBClusters');
    const before = JSON.stringify(sim.toJSON());
    await code(rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', FinalDBSnapshotIdentifier: 'taken' }));
    expect(JSON.stringify(sim.toJSON())).toBe(before);
  });

  it('stops and starts a cluster with its instances, and refuses to stop one that is not available', async () => {
    const { rds, clock } = simCloud({ delays: { stop: 1000, start: 1000 } });
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBInstance', { DBInstanceIdentifier: 'w', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });
    await rds('DescribeDBClusters');
    expect(((await rds('StopDBCluster', { DBClusterIdentifier: 'lab' })) as { DBCluster: { Status: string } }).DBCluster.Status).toBe('stopping');
    expect((await code(rds('StopDBCluster', { DBClusterIdentifier: 'lab' }))).code).toBe('InvalidDBClusterStateFault');
    clock.t += 1000;
    const stopped = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'lab' })) as { DBClusters: Record<string, unknown>[] };
    expect(stopped.DBClusters[0]!['Status']).toBe('stopped');
    expect(stopped.DBClusters[0]!['AutomaticRestartTime']).toEqual(new Date(clock.t + 7 * 24 * 3600 * 1000));
    const inst = (await rds('DescribeDBInstances', { DBInstanceIdentifier: 'w' })) as { DBInstances: { DBInstanceStatus: string }[] };
    expect(inst.DBInstances[0]!.DBInstanceStatus).toBe('stopped');
    expect((await code(rds('StartDBCluster', { DBClusterIdentifier: 'nope' }))).code).toBe('DBClusterNotFoundFault');
    await rds('StartDBCluster', { DBClusterIdentifier: 'lab' });
    expect(await clusterStatus(rds)).toBe('starting');
    clock.t += 1000;
    expect(await clusterStatus(rds)).toBe('available');
  });

  it('starts a stopped cluster by itself after seven days', async () => {
    const { rds, clock } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('DescribeDBClusters');
    await rds('StopDBCluster', { DBClusterIdentifier: 'lab' });
    expect(await clusterStatus(rds)).toBe('stopped');
    clock.t += 7 * 24 * 3600 * 1000;
    expect(await clusterStatus(rds)).toBe('available');
  });

  it('applies ModifyDBCluster settings and shows "modifying" for the modify delay', async () => {
    const { rds, clock } = simCloud({ delays: { modify: 500 } });
    await rds('CreateDBCluster', CLUSTER);
    await rds('DescribeDBClusters');
    const out = (await rds('ModifyDBCluster', {
      DBClusterIdentifier: 'lab',
      EnableIAMDatabaseAuthentication: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 300 },
      EnablePerformanceInsights: true,
      ApplyImmediately: true,
    })) as { DBCluster: Record<string, unknown> };
    expect(out.DBCluster).toMatchObject({
      Status: 'modifying',
      IAMDatabaseAuthenticationEnabled: true,
      PerformanceInsightsEnabled: true,
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 300 },
    });
    expect((await code(rds('ModifyDBCluster', { DBClusterIdentifier: 'lab', EnableIAMDatabaseAuthentication: false }))).code).toBe('InvalidDBClusterStateFault');
    clock.t += 500;
    expect(await clusterStatus(rds)).toBe('available');
  });

  it('rejects Serverless v2 capacities outside AWS ranges', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('DescribeDBClusters');
    const bad = [
      { MinCapacity: 0.7, MaxCapacity: 4 },
      { MinCapacity: 8, MaxCapacity: 4 },
      { MinCapacity: 0.5, MaxCapacity: 512 },
      { MinCapacity: 0, MaxCapacity: 4, SecondsUntilAutoPause: 10 },
    ];
    for (const cfg of bad) {
      expect((await code(rds('ModifyDBCluster', { DBClusterIdentifier: 'lab', ServerlessV2ScalingConfiguration: cfg }))).code).toBe('InvalidParameterValue');
    }
    const mysql = { ...CLUSTER, DBClusterIdentifier: 'old', Engine: 'aurora-mysql', EngineVersion: '8.0.mysql_aurora.3.05.2' };
    expect((await code(rds('CreateDBCluster', { ...mysql, ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 } }))).code).toBe('InvalidParameterValue');
  });

  it('answers an operation it does not know with InvalidAction, or UnknownOperationException for JSON services', async () => {
    const { sim } = simCloud();
    expect(await code(sim.call({ service: 'rds', operation: 'CreateBlueGreenDeployment', input: {}, region: REGION }))).toMatchObject({ code: 'InvalidAction', status: 400 });
    expect((await code(sim.call({ service: 'pi', operation: 'ListAvailableResourceMetrics', input: {}, region: REGION }))).code).toBe('UnknownOperationException');
  });

  it('throws what the inject hook returns before touching the model', async () => {
    const seen: SimCall[] = [];
    const { rds, sim } = simCloud({
      inject: (call) => {
        seen.push(call);
        return call.operation === 'CreateDBCluster' ? new SimError('InternalFailure', 'boom', 500, 'server') : undefined;
      },
    });
    expect(await code(rds('CreateDBCluster', CLUSTER))).toMatchObject({ code: 'InternalFailure', status: 500 });
    expect(sim.toJSON().clusters).toEqual({});
    expect(seen.map((c) => c.operation)).toEqual(['CreateDBCluster']);
  });
});
