/**
 * The engine and instance-class catalogue: AWS's classes and versions, AWS's order and paging
 * (MaxRecords, Marker) and refusals, through the model and through the real SDK client.
 */
import * as rdsModule from '@aws-sdk/client-rds';
import { DescribeDBMajorEngineVersionsCommand, paginateDescribeOrderableDBInstanceOptions, RDSClient } from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { simPlugin } from '../../src/sim/in-process.js';
import { SimCloud } from '../../src/sim/model/cloud.js';
import { supportsMinCapacityZero } from '../../src/sim/model/catalog/versions.js';
import { code, simCloud, simErrorOf } from './sim-fixture.js';

type Row = { DBInstanceClass: string; StorageType: string; EngineVersion: string };

async function allRows(rds: ReturnType<typeof simCloud>['rds'], input: Record<string, unknown>): Promise<Row[]> {
  const rows: Row[] = [];
  let marker: string | undefined;
  do {
    const out = await rds('DescribeOrderableDBInstanceOptions', { ...input, ...(marker ? { Marker: marker } : {}) });
    rows.push(...out.OrderableDBInstanceOptions);
    marker = out.Marker;
  } while (marker);
  return rows;
}

describe('DescribeOrderableDBInstanceOptions', () => {
  it('lists two rows per Aurora class (aurora, aurora-iopt1) sorted by class name, 100 a page, db.t4g.medium past the first page', async () => {
    const { rds } = simCloud();
    const first = await rds('DescribeOrderableDBInstanceOptions', { Engine: 'aurora-postgresql', EngineVersion: '16.9' });
    expect(first.OrderableDBInstanceOptions).toHaveLength(100);
    expect(typeof first.Marker).toBe('string');
    expect(first.OrderableDBInstanceOptions[0]).toMatchObject({ DBInstanceClass: 'db.r5.12xlarge', StorageType: 'aurora' });
    expect(first.OrderableDBInstanceOptions.map((r: Row) => r.DBInstanceClass)).not.toContain('db.t4g.medium');

    const rows = await allRows(rds, { Engine: 'aurora-postgresql', EngineVersion: '16.9' });
    const classes = [...new Set(rows.map((r) => r.DBInstanceClass))];
    expect(classes).toEqual([...classes].sort());
    for (const cls of classes) expect(rows.filter((r) => r.DBInstanceClass === cls).map((r) => r.StorageType)).toEqual(['aurora', 'aurora-iopt1']);
    expect(classes).toEqual(expect.arrayContaining(['db.serverless', 'db.t3.medium', 'db.t4g.medium', 'db.t4g.large', 'db.r6g.large', 'db.r7g.large', 'db.r8g.large', 'db.x2g.large', 'db.r7i.48xlarge']));
    expect(classes).not.toContain('db.t4g.micro');
    expect(rows.findIndex((r) => r.DBInstanceClass === 'db.t4g.medium')).toBeGreaterThanOrEqual(100);
  });

  it('answers a DBInstanceClass filter with exactly that class, and lists RDS classes with their EBS storage types', async () => {
    const { rds } = simCloud();
    const medium = (await rds('DescribeOrderableDBInstanceOptions', { Engine: 'aurora-mysql', EngineVersion: '8.0.mysql_aurora.3.08.2', DBInstanceClass: 'db.t4g.medium' })).OrderableDBInstanceOptions;
    expect(medium.map((r: Row) => [r.DBInstanceClass, r.StorageType])).toEqual([
      ['db.t4g.medium', 'aurora'],
      ['db.t4g.medium', 'aurora-iopt1'],
    ]);
    expect(medium[0]).toMatchObject({ SupportsGlobalDatabases: false, SupportsPerformanceInsights: true, SupportsClusters: true });
    const micro = (await rds('DescribeOrderableDBInstanceOptions', { Engine: 'postgres', EngineVersion: '17.6', DBInstanceClass: 'db.t4g.micro' })).OrderableDBInstanceOptions;
    expect(micro.map((r: Row) => r.StorageType)).toEqual(['gp2', 'gp3', 'io1', 'io2']);
    expect(micro[0]).toMatchObject({ MinStorageSize: 20, SupportsStorageAutoscaling: true });
    expect((await rds('DescribeOrderableDBInstanceOptions', { Engine: 'aurora-mysql', DBInstanceClass: 'db.t4g.micro' })).OrderableDBInstanceOptions).toEqual([]);
    const rdsRows = await allRows(rds, { Engine: 'mysql', EngineVersion: '8.4.6' });
    expect(rdsRows.findIndex((r) => r.DBInstanceClass === 'db.t4g.micro')).toBeGreaterThanOrEqual(100);
  });

  it('pages with MaxRecords 20-1000 and an opaque Marker, visiting every row once', async () => {
    const { rds } = simCloud();
    const input = { Engine: 'aurora-postgresql', EngineVersion: '16.9' };
    const all = await allRows(rds, { ...input, MaxRecords: 1000 });
    const small = await allRows(rds, { ...input, MaxRecords: 20 });
    expect(small).toEqual(all);
    expect(new Set(all.map((r) => `${r.DBInstanceClass}/${r.StorageType}`)).size).toBe(all.length);
    for (const bad of [19, 1001, 0]) {
      const err = await simErrorOf(rds('DescribeOrderableDBInstanceOptions', { ...input, MaxRecords: bad }));
      expect([err.code, err.message]).toEqual(['InvalidParameterValue', `Invalid value ${bad} for MaxRecords. Must be between 20 and 1000`]);
    }
    expect(await code(rds('DescribeOrderableDBInstanceOptions', { ...input, Marker: 'not-a-marker' }))).toBe('InvalidParameterValue');
    // A marker of another operation is not one of this operation's.
    const versionsMarker = (await rds('DescribeDBEngineVersions', { MaxRecords: 20 })).Marker;
    expect(await code(rds('DescribeOrderableDBInstanceOptions', { ...input, Marker: versionsMarker }))).toBe('InvalidParameterValue');
  });

  it('pages through the real SDK paginator', async () => {
    const sim = new SimCloud();
    const client = new RDSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    client.middlewareStack.use(simPlugin(sim, 'rds', rdsModule as Record<string, unknown>, 'us-east-1'));
    const pages: number[] = [];
    for await (const p of paginateDescribeOrderableDBInstanceOptions({ client, pageSize: 100 }, { Engine: 'aurora-mysql', EngineVersion: '8.0.mysql_aurora.3.08.2' })) {
      pages.push(p.OrderableDBInstanceOptions?.length ?? 0);
    }
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.slice(0, -1).every((n) => n === 100)).toBe(true);
    const majors = await client.send(new DescribeDBMajorEngineVersionsCommand({ Engine: 'postgres', MajorEngineVersion: '15' }));
    expect(majors.DBMajorEngineVersions?.[0]?.SupportedEngineLifecycles?.[0]?.LifecycleSupportEndDate).toBeInstanceOf(Date);
  });
});

describe('DescribeDBEngineVersions', () => {
  it('lists versions by engine, default and major, oldest first', async () => {
    const { rds } = simCloud();
    const all = (await rds('DescribeDBEngineVersions', { Engine: 'aurora-postgresql' })).DBEngineVersions;
    expect(all.length).toBeGreaterThan(10);
    expect(all.every((v: any) => v.Engine === 'aurora-postgresql' && v.SupportsGlobalDatabases === true)).toBe(true);
    expect(all.map((v: any) => v.EngineVersion).indexOf('16.10')).toBeGreaterThan(all.map((v: any) => v.EngineVersion).indexOf('16.9'));
    expect((await rds('DescribeDBEngineVersions', { Engine: 'aurora-postgresql', DefaultOnly: true })).DBEngineVersions).toHaveLength(1);
    const major = (await rds('DescribeDBEngineVersions', { Engine: 'aurora-postgresql', EngineVersion: '15', DefaultOnly: true })).DBEngineVersions;
    expect(major.map((v: any) => v.EngineVersion)).toEqual(['15.14']);
    const filtered = (await rds('DescribeDBEngineVersions', { Filters: [{ Name: 'engine', Values: ['mysql'] }] })).DBEngineVersions;
    expect(new Set(filtered.map((v: any) => v.Engine))).toEqual(new Set(['mysql']));
  });

  it('pages with MaxRecords 20-100 and a Marker', async () => {
    const { rds } = simCloud();
    const everything = (await rds('DescribeDBEngineVersions', { MaxRecords: 100 }));
    const first = await rds('DescribeDBEngineVersions', { MaxRecords: 20 });
    expect(first.DBEngineVersions).toHaveLength(20);
    const second = await rds('DescribeDBEngineVersions', { MaxRecords: 20, Marker: first.Marker });
    expect(second.DBEngineVersions[0].EngineVersion).toBe(everything.DBEngineVersions[20].EngineVersion);
    const err = await simErrorOf(rds('DescribeDBEngineVersions', { MaxRecords: 101 }));
    expect([err.code, err.message]).toEqual(['InvalidParameterValue', 'Invalid value 101 for MaxRecords. Must be between 20 and 100']);
    expect(await code(rds('DescribeDBEngineVersions', { Marker: 'bogus' }))).toBe('InvalidParameterValue');
  });

  it('reports Serverless v2 MinCapacity 0 only from the versions AWS documents', async () => {
    expect(supportsMinCapacityZero('aurora-mysql', '8.0.mysql_aurora.3.07.1')).toBe(false);
    expect(supportsMinCapacityZero('aurora-mysql', '8.0.mysql_aurora.3.08.0')).toBe(true);
    expect(supportsMinCapacityZero('aurora-postgresql', '15.6')).toBe(false);
    expect(supportsMinCapacityZero('aurora-postgresql', '15.7')).toBe(true);
    expect(supportsMinCapacityZero('aurora-postgresql', '13.15')).toBe(true);
    expect(supportsMinCapacityZero('aurora-postgresql', '14.11')).toBe(false);
    expect(supportsMinCapacityZero('aurora-postgresql', '16.3')).toBe(true);
    const { rds } = simCloud();
    const mysql = (await rds('DescribeDBEngineVersions', { Engine: 'aurora-mysql' })).DBEngineVersions;
    const byVersion = Object.fromEntries(mysql.map((v: any) => [v.EngineVersion, v.ServerlessV2FeaturesSupport.MinCapacity]));
    expect(byVersion['8.0.mysql_aurora.3.05.2']).toBe(0.5);
    expect(byVersion['8.0.mysql_aurora.3.08.2']).toBe(0);
    expect((await rds('DescribeDBEngineVersions', { Engine: 'postgres' })).DBEngineVersions[0].ServerlessV2FeaturesSupport).toBeUndefined();
  });
});

describe('DescribeDBMajorEngineVersions', () => {
  it('tells each major version its standard and extended support dates', async () => {
    const { rds } = simCloud();
    const out = (await rds('DescribeDBMajorEngineVersions', { Engine: 'mysql' })).DBMajorEngineVersions;
    expect(out.map((m: any) => m.MajorEngineVersion)).toEqual(['8.0', '8.4']);
    const [standard, extended] = out[0].SupportedEngineLifecycles;
    expect(standard).toMatchObject({ LifecycleSupportName: 'open-source-rds-standard-support', LifecycleSupportEndDate: new Date('2026-07-31') });
    expect(extended).toMatchObject({ LifecycleSupportName: 'open-source-rds-extended-support', LifecycleSupportStartDate: new Date('2026-08-01') });
    const pg = (await rds('DescribeDBMajorEngineVersions', { Engine: 'postgres', MajorEngineVersion: '15' })).DBMajorEngineVersions;
    expect(pg).toHaveLength(1);
    expect(await code(rds('DescribeDBMajorEngineVersions', { MaxRecords: 5 }))).toBe('InvalidParameterValue');
  });
});

describe('ordering instances from the catalogue', () => {
  it('accepts a listed class and refuses one the engine does not offer, as AWS words it', async () => {
    const { rds } = simCloud();
    await rds('CreateDBCluster', { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'admin_user', MasterUserPassword: 'secret-pass-1' });
    await rds('CreateDBInstance', { DBInstanceIdentifier: 'lab-0', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r8g.large' });
    const err = await simErrorOf(rds('CreateDBInstance', { DBInstanceIdentifier: 'lab-1', DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.micro' }));
    expect(err.code).toBe('InvalidParameterCombination');
    expect(err.message).toMatch(/^RDS does not support creating a DB instance with the following combination: DBInstanceClass=db\.t4g\.micro, Engine=aurora-postgresql/);
  });
});
