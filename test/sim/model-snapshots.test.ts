import { describe, expect, it } from 'vitest';
import { code, simCloud } from './sim-fixture.js';

const REGION = 'us-east-1';

const CLUSTER = { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'admin_user', MasterUserPassword: 'secret-pass-1', DatabaseName: 'app' };
const PG = { DBInstanceIdentifier: 'pg', Engine: 'postgres', EngineVersion: '16.8', DBInstanceClass: 'db.t4g.micro', MasterUsername: 'pgadmin', MasterUserPassword: 'secret-pass-2', AllocatedStorage: 20 };

describe('snapshots', () => {
  it('creates a cluster snapshot through "creating" to "available" on the snapshot delay', async () => {
    const { rds, clock } = simCloud({ delays: { snapshot: 2000 } });
    await rds('CreateDBCluster', CLUSTER);
    await rds('DescribeDBClusters');
    const out = await rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1', DBClusterIdentifier: 'lab', Tags: [{ Key: 'k', Value: 'v' }] });
    expect(out.DBClusterSnapshot).toMatchObject({ Status: 'creating', PercentProgress: 0, SnapshotType: 'manual', Engine: 'aurora-postgresql', TagList: [{ Key: 'k', Value: 'v' }] });
    expect(out.DBClusterSnapshot.DBClusterSnapshotArn).toBe(`arn:aws:rds:${REGION}:123456789012:cluster-snapshot:s1`);
    expect((await rds('DescribeDBClusters')).DBClusters[0].Status).toBe('backing-up');
    clock.t += 2000;
    const list = await rds('DescribeDBClusterSnapshots', { DBClusterIdentifier: 'lab' });
    expect(list.DBClusterSnapshots.map((s: any) => [s.DBClusterSnapshotIdentifier, s.Status])).toEqual([['s1', 'available']]);
    expect((await rds('DescribeDBClusters')).DBClusters[0].Status).toBe('available');
  });

  it('reports the snapshot error cases with AWS codes', async () => {
    const { rds } = simCloud({ delays: { create: 10 } });
    await rds('CreateDBCluster', CLUSTER);
    expect(await code(rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1', DBClusterIdentifier: 'lab' }))).toBe('InvalidDBClusterStateFault');
    expect(await code(rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1', DBClusterIdentifier: 'ghost' }))).toBe('DBClusterNotFoundFault');
    expect(await code(rds('DescribeDBClusterSnapshots', { DBClusterSnapshotIdentifier: 'ghost' }))).toBe('DBClusterSnapshotNotFoundFault');
    expect(await code(rds('DeleteDBClusterSnapshot', { DBClusterSnapshotIdentifier: 'ghost' }))).toBe('DBClusterSnapshotNotFoundFault');
    expect(await code(rds('DescribeDBSnapshots', { DBSnapshotIdentifier: 'ghost' }))).toBe('DBSnapshotNotFound');
    expect(await code(rds('DeleteDBSnapshot', { DBSnapshotIdentifier: 'ghost' }))).toBe('DBSnapshotNotFound');
  });

  it('refuses duplicate snapshot identifiers', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBInstance', PG);
    await rds('DescribeDBClusters');
    await rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1', DBClusterIdentifier: 'lab' });
    await rds('DescribeDBClusters');
    expect(await code(rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1', DBClusterIdentifier: 'lab' }))).toBe('DBClusterSnapshotAlreadyExistsFault');
    await rds('CreateDBSnapshot', { DBSnapshotIdentifier: 'p1', DBInstanceIdentifier: 'pg' });
    await rds('DescribeDBInstances');
    expect(await code(rds('CreateDBSnapshot', { DBSnapshotIdentifier: 'p1', DBInstanceIdentifier: 'pg' }))).toBe('DBSnapshotAlreadyExists');
  });

  it('refuses an instance snapshot of an Aurora cluster member', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('CreateDBInstance', { DBInstanceIdentifier: 'w', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });
    await rds('DescribeDBInstances');
    expect(await code(rds('CreateDBSnapshot', { DBSnapshotIdentifier: 'x', DBInstanceIdentifier: 'w' }))).toBe('InvalidParameterValue');
  });

  it('refuses the snapshot that exceeds the manual snapshot quota', async () => {
    const { rds } = simCloud({ quotas: { manualSnapshotsPerRegion: 1 } });
    await rds('CreateDBCluster', CLUSTER);
    await rds('DescribeDBClusters');
    await rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1', DBClusterIdentifier: 'lab' });
    await rds('DescribeDBClusters');
    expect(await code(rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's2', DBClusterIdentifier: 'lab' }))).toBe('SnapshotQuotaExceeded');
  });

  it('deletes a snapshot through "deleting", and refuses one that is still being created', async () => {
    const { rds, clock } = simCloud({ delays: { snapshot: 100, delete: 100 } });
    await rds('CreateDBCluster', CLUSTER);
    await rds('DescribeDBClusters');
    await rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1', DBClusterIdentifier: 'lab' });
    expect(await code(rds('DeleteDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1' }))).toBe('InvalidDBClusterSnapshotStateFault');
    clock.t += 100;
    expect((await rds('DeleteDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1' })).DBClusterSnapshot.Status).toBe('deleting');
    clock.t += 100;
    expect((await rds('DescribeDBClusterSnapshots')).DBClusterSnapshots).toEqual([]);
  });
});

describe('RestoreDBClusterFromSnapshot', () => {
  it('restores a cluster snapshot by identifier into a cluster without instances that keeps the master user', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('DescribeDBClusters');
    await rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1', DBClusterIdentifier: 'lab' });
    await rds('DescribeDBClusters');
    const out = await rds('RestoreDBClusterFromSnapshot', { DBClusterIdentifier: 'copy', SnapshotIdentifier: 's1', Engine: 'aurora-postgresql' });
    expect(out.DBCluster).toMatchObject({ Status: 'creating', MasterUsername: 'admin_user', DatabaseName: 'app', EngineVersion: '16.9', DBClusterMembers: [] });
    expect((await rds('DescribeDBClusters', { DBClusterIdentifier: 'copy' })).DBClusters[0].Status).toBe('available');
  });

  it('restores a cluster snapshot by ARN too', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', CLUSTER);
    await rds('DescribeDBClusters');
    const snap = await rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1', DBClusterIdentifier: 'lab' });
    await rds('DescribeDBClusters');
    await rds('RestoreDBClusterFromSnapshot', { DBClusterIdentifier: 'copy', SnapshotIdentifier: snap.DBClusterSnapshot.DBClusterSnapshotArn, Engine: 'aurora-postgresql' });
  });

  it('takes an RDS instance snapshot only by ARN: by plain identifier it is DBClusterSnapshotNotFoundFault', async () => {
    const { rds } = simCloud();
    await rds('CreateDBInstance', PG);
    await rds('DescribeDBInstances');
    const snap = await rds('CreateDBSnapshot', { DBSnapshotIdentifier: 'pg-snap', DBInstanceIdentifier: 'pg' });
    await rds('DescribeDBInstances');
    expect(await code(rds('RestoreDBClusterFromSnapshot', { DBClusterIdentifier: 'migrated', SnapshotIdentifier: 'pg-snap', Engine: 'aurora-postgresql' }))).toBe(
      'DBClusterSnapshotNotFoundFault',
    );
    const out = await rds('RestoreDBClusterFromSnapshot', { DBClusterIdentifier: 'migrated', SnapshotIdentifier: snap.DBSnapshot.DBSnapshotArn, Engine: 'aurora-postgresql' });
    expect(out.DBCluster).toMatchObject({ Engine: 'aurora-postgresql', EngineVersion: '16.8', MasterUsername: 'pgadmin' });
  });

  it('refuses an incompatible engine, an ARN from another region, and a name already taken', async () => {
    const { rds } = simCloud();
    await rds('CreateDBInstance', PG);
    await rds('DescribeDBInstances');
    const snap = await rds('CreateDBSnapshot', { DBSnapshotIdentifier: 'pg-snap', DBInstanceIdentifier: 'pg' });
    const arn: string = snap.DBSnapshot.DBSnapshotArn;
    await rds('DescribeDBInstances');
    expect(await code(rds('RestoreDBClusterFromSnapshot', { DBClusterIdentifier: 'm', SnapshotIdentifier: arn, Engine: 'aurora-mysql' }))).toBe('InvalidParameterCombination');
    expect(await code(rds('RestoreDBClusterFromSnapshot', { DBClusterIdentifier: 'm', SnapshotIdentifier: arn, Engine: 'aurora-postgresql' }, 'eu-west-1'))).toBe(
      'DBClusterSnapshotNotFoundFault',
    );
    await rds('CreateDBCluster', { ...CLUSTER, DBClusterIdentifier: 'm' });
    expect(await code(rds('RestoreDBClusterFromSnapshot', { DBClusterIdentifier: 'm', SnapshotIdentifier: arn, Engine: 'aurora-postgresql' }))).toBe('DBClusterAlreadyExistsFault');
  });
});
