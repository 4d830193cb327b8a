import { describe, expect, it } from 'vitest';
import type { ClusterSpec, DataPlane } from '../../src/sim/data-plane.js';
import { code, simCloud, simErrorOf } from './sim-fixture.js';

const CLUSTER = {
  DBClusterIdentifier: 'src', Engine: 'aurora-postgresql', EngineVersion: '16.6', MasterUsername: 'admin_user', MasterUserPassword: 'secret-pass-1',
  DatabaseName: 'app', Port: 5433, BackupRetentionPeriod: 3, StorageEncrypted: true,
};
const DAY = 24 * 3600 * 1000;

/** A source cluster that became available at the clock's start, and the clock. */
async function withSource(options: Parameters<typeof simCloud>[0] = {}) {
  const fixture = simCloud({ delays: { create: 1000 }, ...options });
  await fixture.rds('CreateDBCluster', CLUSTER);
  fixture.clock.t += 1000;
  await fixture.rds('DescribeDBClusters');
  return fixture;
}

describe('the restorable window', () => {
  it('is absent while a cluster is created, then runs from its creation to now', async () => {
    const { rds, clock } = simCloud({ delays: { create: 1000 } });
    const created = clock.t;
    const first = (await rds('CreateDBCluster', CLUSTER)).DBCluster;
    expect(first.EarliestRestorableTime).toBeUndefined();
    expect(first.LatestRestorableTime).toBeUndefined();
    clock.t += 5000;
    const c = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'src' })).DBClusters[0];
    expect(c.EarliestRestorableTime).toEqual(new Date(created));
    expect(c.LatestRestorableTime).toEqual(new Date(created + 5000));
  });

  it('starts no earlier than BackupRetentionPeriod days ago', async () => {
    const { rds, clock } = await withSource();
    clock.t += 10 * DAY;
    const c = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'src' })).DBClusters[0];
    expect(c.EarliestRestorableTime).toEqual(new Date(clock.t - 3 * DAY));
    expect(c.LatestRestorableTime).toEqual(new Date(clock.t));
  });
});

describe('RestoreDBClusterToPointInTime', () => {
  it('makes a new cluster without instances that copies the source engine, version, user, database, port and retention', async () => {
    const { rds, clock } = await withSource();
    clock.t += 60_000;
    const at = new Date(clock.t - 30_000);
    const out = (await rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'Restored', SourceDBClusterIdentifier: 'src', RestoreToTime: at })).DBCluster;
    expect(out).toMatchObject({
      DBClusterIdentifier: 'restored', Status: 'creating', Engine: 'aurora-postgresql', EngineVersion: '16.6', MasterUsername: 'admin_user',
      DatabaseName: 'app', Port: 5433, BackupRetentionPeriod: 3, StorageEncrypted: true, DBClusterMembers: [],
    });
    expect(out.MasterUserSecret).toBeUndefined();
    clock.t += 1000;
    const restored = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'restored' })).DBClusters[0];
    expect(restored.Status).toBe('available');
    // Its own window starts with it, not with the source.
    expect(restored.EarliestRestorableTime).toEqual(new Date(clock.t - 1000));
    expect((await rds('DescribeDBClusters', { DBClusterIdentifier: 'src' })).DBClusters[0].Status).toBe('available');
  });

  it('gives the new cluster the default security group and cluster parameter group, not the source ones', async () => {
    const { rds, call } = await withSource();
    const sg = (await call('ec2', 'CreateSecurityGroup', { GroupName: 'db', Description: 'db' })).GroupId as string;
    await rds('ModifyDBCluster', { DBClusterIdentifier: 'src', VpcSecurityGroupIds: [sg], ApplyImmediately: true });
    const out = (await rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'r1', SourceDBClusterIdentifier: 'src', UseLatestRestorableTime: true })).DBCluster;
    expect(out.VpcSecurityGroups.map((g: any) => g.VpcSecurityGroupId)).not.toContain(sg);
    expect(out.DBClusterParameterGroup).toBe('default.aurora-postgresql16');
    const named = (await rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'r2', SourceDBClusterIdentifier: 'src', UseLatestRestorableTime: true, VpcSecurityGroupIds: [sg] })).DBCluster;
    expect(named.VpcSecurityGroups.map((g: any) => g.VpcSecurityGroupId)).toEqual([sg]);
  });

  it('asks for exactly one of RestoreToTime and UseLatestRestorableTime, and no time with copy-on-write', async () => {
    const { rds, clock } = await withSource();
    const base = { DBClusterIdentifier: 'r', SourceDBClusterIdentifier: 'src' };
    expect(await code(rds('RestoreDBClusterToPointInTime', base))).toBe('InvalidParameterCombination');
    expect(await code(rds('RestoreDBClusterToPointInTime', { ...base, UseLatestRestorableTime: false }))).toBe('InvalidParameterCombination');
    expect(await code(rds('RestoreDBClusterToPointInTime', { ...base, RestoreToTime: new Date(clock.t), UseLatestRestorableTime: true }))).toBe('InvalidParameterCombination');
    expect(await code(rds('RestoreDBClusterToPointInTime', { ...base, RestoreToTime: new Date(clock.t), RestoreType: 'copy-on-write' }))).toBe('InvalidParameterCombination');
    expect(await code(rds('RestoreDBClusterToPointInTime', { ...base, UseLatestRestorableTime: true, RestoreType: 'snapshot' }))).toBe('InvalidParameterValue');
    const clone = (await rds('RestoreDBClusterToPointInTime', { ...base, UseLatestRestorableTime: true, RestoreType: 'copy-on-write' })).DBCluster;
    expect(clone.Status).toBe('creating');
  });

  it('refuses a time outside the window with InvalidRestoreFault, naming the window', async () => {
    const { rds, clock } = await withSource();
    const created = clock.t - 1000;
    clock.t += 60_000;
    const base = { DBClusterIdentifier: 'r', SourceDBClusterIdentifier: 'src' };
    const before = await simErrorOf(rds('RestoreDBClusterToPointInTime', { ...base, RestoreToTime: new Date(created - 1) }));
    expect(before.code).toBe('InvalidRestoreFault');
    expect(before.message).toContain(new Date(created).toISOString());
    expect(await code(rds('RestoreDBClusterToPointInTime', { ...base, RestoreToTime: new Date(clock.t + 1) }))).toBe('InvalidRestoreFault');
    // Both ends are inside.
    await rds('RestoreDBClusterToPointInTime', { ...base, DBClusterIdentifier: 'first', RestoreToTime: new Date(created) });
    await rds('RestoreDBClusterToPointInTime', { ...base, DBClusterIdentifier: 'last', RestoreToTime: new Date(clock.t) });
  });

  it('needs an existing source that has a window, a free target identifier and room in the quota', async () => {
    const { rds, clock } = await withSource({ quotas: { clustersPerRegion: 3 } });
    const at = new Date(clock.t);
    expect(await code(rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'r', SourceDBClusterIdentifier: 'ghost', RestoreToTime: at }))).toBe('DBClusterNotFoundFault');
    expect(await code(rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'r', RestoreToTime: at }))).toBe('InvalidParameterCombination');
    expect(await code(rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'src', SourceDBClusterIdentifier: 'src', RestoreToTime: at }))).toBe('DBClusterAlreadyExistsFault');
    expect(await code(rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'bad--id', SourceDBClusterIdentifier: 'src', RestoreToTime: at }))).toBe('InvalidParameterValue');
    await rds('CreateDBCluster', { ...CLUSTER, DBClusterIdentifier: 'young' });
    expect(await code(rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'r', SourceDBClusterIdentifier: 'young', UseLatestRestorableTime: true }))).toBe('InvalidDBClusterStateFault');
    await rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'r', SourceDBClusterIdentifier: 'src', RestoreToTime: at });
    expect(await code(rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'r2', SourceDBClusterIdentifier: 'src', RestoreToTime: at }))).toBe('DBClusterQuotaExceededFault');
  });

  it('finds the source by ARN or by its resource id', async () => {
    const { rds } = await withSource();
    const src = (await rds('DescribeDBClusters', { DBClusterIdentifier: 'src' })).DBClusters[0];
    await rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'by-arn', SourceDBClusterIdentifier: src.DBClusterArn, UseLatestRestorableTime: true });
    await rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'by-resource', SourceDbClusterResourceId: src.DbClusterResourceId, UseLatestRestorableTime: true });
    expect(await code(rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'r', SourceDbClusterResourceId: 'cluster-NOPE', UseLatestRestorableTime: true }))).toBe('DBClusterAutomatedBackupNotFoundFault');
  });

  it('hands the data plane the source and the moment, and is available only once the data plane has built the volume', async () => {
    const specs: ClusterSpec[] = [];
    let finish: () => void = () => {};
    const dataPlane = {
      createCluster: (spec: ClusterSpec) => {
        specs.push(spec);
        const endpoints = { endpoint: { address: '127.0.0.1', port: 5432 }, readerEndpoint: { address: '127.0.0.2', port: 5432 } };
        return spec.fromPointInTime ? new Promise<typeof endpoints>((resolve) => (finish = () => resolve(endpoints))) : Promise.resolve(endpoints);
      },
    } as unknown as DataPlane;
    const { rds, clock, sim } = await withSource({ dataPlane, delays: { create: 0 } });
    await sim.idle();
    await rds('DescribeDBClusters');
    const at = new Date(clock.t - 500);
    await rds('RestoreDBClusterToPointInTime', { DBClusterIdentifier: 'r', SourceDBClusterIdentifier: 'src', RestoreToTime: at });
    await new Promise((r) => setTimeout(r, 10));
    expect(specs[1]!.fromPointInTime).toEqual({ sourceClusterId: 'src', restoreTime: at });
    expect(specs[1]).toMatchObject({ engine: 'aurora-postgresql', masterUsername: 'admin_user', masterPassword: 'secret-pass-1', databaseName: 'app' });
    clock.t += 10_000;
    expect((await rds('DescribeDBClusters', { DBClusterIdentifier: 'r' })).DBClusters[0].Status).toBe('creating');
    finish();
    await sim.idle();
    expect((await rds('DescribeDBClusters', { DBClusterIdentifier: 'r' })).DBClusters[0].Status).toBe('available');
  });
});
