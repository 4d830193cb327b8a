/**
 * The local server's catalogue lists the versions its PostgreSQL binaries really are: the version a
 * lab's lookup picks is the one `select version()` answers, for the Aurora cluster and the RDS source.
 */
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeDBMajorEngineVersionsCommand,
  DescribeOrderableDBInstanceOptionsCommand,
  RDSClient,
  waitUntilDBInstanceAvailable,
  waitUntilDBInstanceDeleted,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPgBinaries } from '../../src/local/engines/postgres/pg-binaries.js';
import { sdkWaiter, startLocalDaemon, type LocalDaemon } from './daemon-fixture.js';
import { connect, PASSWORD } from './local-plane-helpers.js';

const REGION = 'us-east-1';
let local: LocalDaemon;
let rds: RDSClient;

beforeAll(async () => {
  local = await startLocalDaemon('versions');
  rds = local.client(RDSClient, REGION);
}, 60_000);

afterAll(() => local?.close(), 60_000);

/** What a lab's find-version step asks: the engine's default version. */
async function labVersion(engine: string): Promise<string | undefined> {
  const out = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: engine, DefaultOnly: true }));
  return out.DBEngineVersions?.[0]?.EngineVersion;
}

describe('the local catalogue', () => {
  it('offers exactly the PostgreSQL version of the binaries (Aurora and the RDS source) and the MySQL versions MariaDB stands in for, with the features implemented locally', async () => {
    const binaries = findPgBinaries();
    expect(binaries.version).toMatch(new RegExp(`^${binaries.majorVersion}\\.\\d+$`));
    for (const engine of ['aurora-postgresql', 'postgres']) {
      const all = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: engine }))).DBEngineVersions ?? [];
      expect(all.map((v) => v.EngineVersion)).toEqual([binaries.version]);
      expect(all[0]).toMatchObject({ MajorEngineVersion: String(binaries.majorVersion), DBParameterGroupFamily: `${engine}${binaries.majorVersion}`, SupportedFeatureNames: [] });
    }
    const aurora = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'aurora-postgresql' }))).DBEngineVersions![0]!;
    expect(aurora.ServerlessV2FeaturesSupport?.MinCapacity).toBe(0);
    expect(aurora.SupportsGlobalDatabases).toBe(true);
    // MariaDB serves the MySQL engines (engines/mysql/engine-versions.ts): Aurora MySQL 3 by default and
    // 8.4, and RDS for MySQL 8.4 (8.0 left standard support in July 2026), nothing else.
    const auroraMysql = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'aurora-mysql' }))).DBEngineVersions ?? [];
    expect(auroraMysql.map((v) => v.EngineVersion).sort()).toEqual(['8.0.mysql_aurora.3.08.2', '8.4.7']);
    const defaults = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'aurora-mysql', DefaultOnly: true }))).DBEngineVersions ?? [];
    expect(defaults.map((v) => v.EngineVersion)).toEqual(['8.0.mysql_aurora.3.08.2']);
    const mysql = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'mysql' }))).DBEngineVersions ?? [];
    expect(mysql.map((v) => v.EngineVersion)).toEqual(['8.4.7']);
    const majors = (await rds.send(new DescribeDBMajorEngineVersionsCommand({ Engine: 'postgres' }))).DBMajorEngineVersions ?? [];
    expect(majors.map((m) => m.MajorEngineVersion)).toEqual([String(binaries.majorVersion)]);
    const orderable = await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'aurora-postgresql', EngineVersion: binaries.version, DBInstanceClass: 'db.t4g.medium' }));
    expect(orderable.OrderableDBInstanceOptions?.map((o) => o.StorageType)).toEqual(['aurora', 'aurora-iopt1']);
  });

  it('refuses a version the local servers are not, as AWS refuses an unknown version', async () => {
    const err = await rds
      .send(new CreateDBClusterCommand({ DBClusterIdentifier: 'v16', Engine: 'aurora-postgresql', EngineVersion: '16.6', MasterUsername: 'labadmin', MasterUserPassword: PASSWORD }))
      .then(() => undefined, (e: Error) => e);
    expect(err?.name).toBe('InvalidParameterCombination');
  });

  it('gives a cluster and an RDS instance on the looked-up version a server of that version', async () => {
    const auroraVersion = (await labVersion('aurora-postgresql'))!;
    const sourceVersion = (await labVersion('postgres'))!;
    await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'ver', Engine: 'aurora-postgresql', EngineVersion: auroraVersion, MasterUsername: 'labadmin', MasterUserPassword: PASSWORD, DatabaseName: 'labdb' }));
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'ver-0', DBClusterIdentifier: 'ver', Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium' }));
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'src',
        Engine: 'postgres',
        EngineVersion: sourceVersion,
        DBInstanceClass: 'db.t4g.micro',
        AllocatedStorage: 20,
        MasterUsername: 'labadmin',
        MasterUserPassword: PASSWORD,
        DBName: 'labdb',
      }),
    );
    try {
      for (const [id, version] of [
        ['ver-0', auroraVersion],
        ['src', sourceVersion],
      ] as const) {
        await waitUntilDBInstanceAvailable(sdkWaiter(rds), { DBInstanceIdentifier: id });
        const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
        const inst = DBInstances![0]!;
        expect(inst.EngineVersion).toBe(version);
        const db = await connect(local.daemon.dataPlane, { address: inst.Endpoint!.Address!, port: inst.Endpoint!.Port! });
        try {
          const { rows } = await db.query<{ server_version: string }>('show server_version');
          // "15.18 (Debian 15.18-0+deb12u1)": the major and minor are the version the lab picked.
          expect(rows[0]!.server_version.split(' ')[0]).toBe(version);
        } finally {
          await db.end();
        }
      }
    } finally {
      for (const id of ['ver-0', 'src']) {
        await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, ...(id === 'src' ? { SkipFinalSnapshot: true } : {}) })).catch(() => undefined);
        await waitUntilDBInstanceDeleted(sdkWaiter(rds), { DBInstanceIdentifier: id }).catch(() => undefined);
      }
      await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'ver', SkipFinalSnapshot: true })).catch(() => undefined);
    }
  }, 120_000);
});
