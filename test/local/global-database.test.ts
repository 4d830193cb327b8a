/**
 * An Aurora Global Database on the local server, through the real SDK in two regions and real
 * PostgreSQL: the secondary region streams from the primary's writer, refuses writes, follows a
 * failover inside the primary, and the switchover, failover and detach move real data roles.
 */
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateGlobalClusterCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DeleteGlobalClusterCommand,
  DescribeDBClustersCommand,
  DescribeGlobalClustersCommand,
  FailoverDBClusterCommand,
  FailoverGlobalClusterCommand,
  RDSClient,
  RemoveFromGlobalClusterCommand,
  SwitchoverGlobalClusterCommand,
  waitUntilDBInstanceAvailable,
  waitUntilDBInstanceDeleted,
  type DBCluster,
} from '@aws-sdk/client-rds';
import { execFileSync } from 'node:child_process';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoint } from '../../src/sim/data-plane.js';
import { sdkWaiter, startLocalDaemon, type LocalDaemon } from './daemon-fixture.js';
import { connect, eventually, PASSWORD } from './local-plane-helpers.js';

const EAST = 'us-east-1';
const WEST = 'us-west-2';
let local: LocalDaemon;
const rds: Record<string, RDSClient> = {};

async function addInstances(region: string, clusterId: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await rds[region]!.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: `${clusterId}-${i}`, DBClusterIdentifier: clusterId, Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', PromotionTier: i }));
  }
  for (let i = 1; i <= count; i++) await waitUntilDBInstanceAvailable(sdkWaiter(rds[region]!), { DBInstanceIdentifier: `${clusterId}-${i}` });
}

/** A global database: `name` (writer plus primaryReaders readers) in us-east-1, `name-west` (secondaryInstances) in us-west-2. */
async function createGlobal(name: string, primaryReaders: number, secondaryInstances: number): Promise<{ primaryArn: string; secondaryArn: string }> {
  await rds[EAST]!.send(new CreateGlobalClusterCommand({ GlobalClusterIdentifier: `${name}-global`, Engine: 'aurora-postgresql' }));
  const p = await rds[EAST]!.send(new CreateDBClusterCommand({ DBClusterIdentifier: name, GlobalClusterIdentifier: `${name}-global`, Engine: 'aurora-postgresql', MasterUsername: 'labadmin', MasterUserPassword: PASSWORD, DatabaseName: 'labdb' }));
  await addInstances(EAST, name, 1 + primaryReaders);
  const s = await rds[WEST]!.send(new CreateDBClusterCommand({ DBClusterIdentifier: `${name}-west`, GlobalClusterIdentifier: `${name}-global`, Engine: 'aurora-postgresql' }));
  await addInstances(WEST, `${name}-west`, secondaryInstances);
  await globalSettled(name, p.DBCluster!.DBClusterArn!);
  return { primaryArn: p.DBCluster!.DBClusterArn!, secondaryArn: s.DBCluster!.DBClusterArn! };
}

/** Poll until the global cluster is available with `writerArn` as its writer. */
async function globalSettled(name: string, writerArn: string): Promise<void> {
  await eventually(async () => {
    const [g] = (await rds[EAST]!.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: `${name}-global` }))).GlobalClusters!;
    return g!.Status === 'available' && g!.GlobalClusterMembers!.find((m) => m.IsWriter)?.DBClusterArn === writerArn;
  }, 60_000);
}

async function cluster(region: string, id: string): Promise<DBCluster> {
  return (await rds[region]!.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0]!;
}

/** Both endpoints of a cluster: hosts on its one Port, as on AWS. */
async function endpoints(region: string, id: string): Promise<{ writer: Endpoint; reader: Endpoint }> {
  const c = await cluster(region, id);
  return { writer: { address: c.Endpoint!, port: c.Port! }, reader: { address: c.ReaderEndpoint!, port: c.Port! } };
}

async function sql<T = Record<string, unknown>>(endpoint: Endpoint, text: string, params: unknown[] = []): Promise<T[]> {
  const c = await connect(local.daemon.dataPlane, endpoint);
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

async function sqlState(endpoint: Endpoint, text: string): Promise<string> {
  try {
    await sql(endpoint, text);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

async function ids(endpoint: Endpoint, table: string): Promise<number[]> {
  return (await sql<{ id: number }>(endpoint, `select id from ${table} order by id`)).map((r) => r.id);
}

async function dropCluster(region: string, id: string, instances: number): Promise<void> {
  const client = rds[region]!;
  for (let i = 1; i <= instances; i++) await client.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: `${id}-${i}` }));
  for (let i = 1; i <= instances; i++) await waitUntilDBInstanceDeleted(sdkWaiter(client), { DBInstanceIdentifier: `${id}-${i}` });
  await client.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true }));
  await eventually(async () => !(await client.send(new DescribeDBClustersCommand({})).then((o) => o.DBClusters!.some((c) => c.DBClusterIdentifier === id))), 30_000);
}

async function detach(name: string, region: string, arn: string): Promise<void> {
  await rds[region]!.send(new RemoveFromGlobalClusterCommand({ GlobalClusterIdentifier: `${name}-global`, DbClusterIdentifier: arn }));
  await eventually(async () => (await cluster(region, arn.split(':').pop()!)).Status === 'available', 30_000);
}

beforeAll(async () => {
  local = await startLocalDaemon('global');
  for (const region of [EAST, WEST]) rds[region] = local.client(RDSClient, region);
}, 60_000);

afterAll(() => local?.close(), 60_000);

describe('a global database across two local regions', () => {
  let arns: { primaryArn: string; secondaryArn: string };

  it('streams rows from the primary region to the secondary, whose endpoints both refuse writes with 25006', async () => {
    arns = await createGlobal('gdb', 1, 1);
    const east = await endpoints(EAST, 'gdb');
    const west = await endpoints(WEST, 'gdb-west');
    await sql(east.writer, 'create table t (id int primary key, note text)');
    await sql(east.writer, "insert into t values (1, 'from the east')");
    for (const endpoint of [west.reader, west.writer]) {
      await eventually(async () => (await ids(endpoint, 't')).includes(1));
      const [row] = await sql<{ ro: boolean; id: string }>(endpoint, 'select pg_is_in_recovery() as ro, aurora_db_instance_identifier() as id');
      expect(row).toEqual({ ro: true, id: 'gdb-west-1' });
      expect(await sqlState(endpoint, "insert into t values (2, 'from the west')")).toBe('25006');
    }
    const lag = await local.daemon.dataPlane.globalLag('gdb-west');
    expect(lag).toEqual([expect.objectContaining({ instanceId: 'gdb-west-1' })]);
    expect(lag[0]!.bytes).toBeGreaterThanOrEqual(0);
    const [c] = (await rds[WEST]!.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'gdb-west' }))).DBClusters!;
    expect(c!.DBClusterMembers).toEqual([expect.objectContaining({ DBInstanceIdentifier: 'gdb-west-1', IsClusterWriter: false })]);
  }, 120_000);

  it('keeps the secondary replicating through a failover inside the primary cluster', async () => {
    await rds[EAST]!.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'gdb', TargetDBInstanceIdentifier: 'gdb-2' }));
    await eventually(async () => {
      const c = await cluster(EAST, 'gdb');
      return c.Status === 'available' && c.DBClusterMembers!.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier === 'gdb-2';
    }, 30_000);
    const east = await endpoints(EAST, 'gdb');
    await eventually(async () => (await sql<{ id: string }>(east.writer, 'select aurora_db_instance_identifier() as id'))[0]!.id === 'gdb-2');
    await sql(east.writer, "insert into t values (3, 'after the failover')");
    const west = await endpoints(WEST, 'gdb-west');
    await eventually(async () => (await ids(west.reader, 't')).includes(3), 10_000);
  }, 60_000);

  it('switches over while a client keeps writing: every acknowledged write survives and the roles swap', async () => {
    const east = await endpoints(EAST, 'gdb');
    const west = await endpoints(WEST, 'gdb-west');
    await sql(east.writer, 'create table w (id int primary key)');
    await eventually(async () => (await sqlState(west.reader, 'select 1 from w')) === 'ok');
    const acknowledged: number[] = [];
    let stop = false;
    let next = 1;
    const writer = (async () => {
      let client: pg.Client | undefined;
      while (!stop) {
        try {
          client ??= await connect(local.daemon.dataPlane, east.writer);
          const id = next++;
          await client.query('insert into w values ($1)', [id]);
          acknowledged.push(id);
        } catch {
          // The endpoint closed, or the old primary is now read-only: reconnect and keep trying.
          await client?.end().catch(() => undefined);
          client = undefined;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      await client?.end().catch(() => undefined);
    })();
    await eventually(async () => acknowledged.length >= 20);
    const out = await rds[EAST]!.send(new SwitchoverGlobalClusterCommand({ GlobalClusterIdentifier: 'gdb-global', TargetDbClusterIdentifier: arns.secondaryArn }));
    expect(out.GlobalCluster!.Status).toBe('switching-over');
    expect(out.GlobalCluster!.FailoverState).toMatchObject({ Status: 'pending', IsDataLossAllowed: false, ToDbClusterArn: arns.secondaryArn });
    await globalSettled('gdb', arns.secondaryArn);
    stop = true;
    await writer;

    const [g] = (await rds[WEST]!.send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: 'gdb-global' }))).GlobalClusters!;
    expect(g!.FailoverState).toBeUndefined();
    expect(g!.GlobalClusterMembers!.map((m) => [m.DBClusterArn, m.IsWriter])).toEqual(expect.arrayContaining([[arns.secondaryArn, true], [arns.primaryArn, false]]));
    expect((await cluster(WEST, 'gdb-west')).DBClusterMembers).toEqual([expect.objectContaining({ DBInstanceIdentifier: 'gdb-west-1', IsClusterWriter: true })]);
    expect((await cluster(EAST, 'gdb')).DBClusterMembers!.every((m) => !m.IsClusterWriter)).toBe(true);

    const kept = new Set(await ids(west.writer, 'w'));
    expect(acknowledged.filter((id) => !kept.has(id))).toEqual([]);
    expect((await ids(west.writer, 't'))).toEqual([1, 3]);
    expect(await sqlState(west.writer, 'insert into w values (-1)')).toBe('ok');
    expect(await sqlState(east.writer, 'insert into w values (-2)')).toBe('25006');
    await eventually(async () => (await ids(east.reader, 'w')).includes(-1), 10_000);
    const timings = local.daemon.dataPlane.lastGlobalSwitch!;
    expect(timings).toMatchObject({ fromClusterId: 'gdb', toClusterId: 'gdb-west', allowDataLoss: false });
  }, 120_000);

  it('detaches the secondary (the former primary) into a standalone writable cluster, then deletes the global database', async () => {
    await detach('gdb', EAST, arns.primaryArn);
    const east = await endpoints(EAST, 'gdb');
    expect((await cluster(EAST, 'gdb')).GlobalClusterIdentifier).toBeUndefined();
    expect(await sqlState(east.writer, 'insert into w values (-3)')).toBe('ok');
    expect((await ids(east.writer, 'w'))).toContain(-1);
    // Replication is cut both ways.
    const west = await endpoints(WEST, 'gdb-west');
    await sql(west.writer, 'insert into w values (-4)');
    expect(await ids(west.writer, 'w')).not.toContain(-3);
    await new Promise((r) => setTimeout(r, 300));
    expect(await ids(east.writer, 'w')).not.toContain(-4);
    await detach('gdb', WEST, arns.secondaryArn);
    await rds[EAST]!.send(new DeleteGlobalClusterCommand({ GlobalClusterIdentifier: 'gdb-global' }));
    await Promise.all([dropCluster(EAST, 'gdb', 2), dropCluster(WEST, 'gdb-west', 1)]);
  }, 120_000);

  it('fails over with AllowDataLoss at once: what the secondary never received is lost, and the old primary replicates from the new one', async () => {
    const { primaryArn, secondaryArn } = await createGlobal('gdl', 0, 1);
    const east = await endpoints(EAST, 'gdl');
    const west = await endpoints(WEST, 'gdl-west');
    await sql(east.writer, 'create table t (id int primary key)');
    await sql(east.writer, 'insert into t values (1)');
    await eventually(async () => (await ids(west.reader, 't')).includes(1));
    // The secondary region loses its link to the primary: row 2 never reaches it.
    await sql(west.reader, "alter system set primary_conninfo = ''");
    await sql(west.reader, 'select pg_reload_conf()');
    await eventually(async () => (await sql<{ n: number }>(west.reader, 'select count(*)::int as n from pg_stat_wal_receiver'))[0]!.n === 0);
    await sql(east.writer, 'insert into t values (2)');

    const out = await rds[WEST]!.send(new FailoverGlobalClusterCommand({ GlobalClusterIdentifier: 'gdl-global', TargetDbClusterIdentifier: secondaryArn, AllowDataLoss: true }));
    expect(out.GlobalCluster!.Status).toBe('failing-over');
    await globalSettled('gdl', secondaryArn);
    expect(await ids(west.writer, 't')).toEqual([1]);
    expect(await sqlState(west.writer, 'insert into t values (3)')).toBe('ok');
    // The old primary was rebuilt from the new one: read-only, without row 2, and replicating.
    await eventually(async () => (await ids(east.reader, 't')).join() === '1,3', 20_000);
    expect(await sqlState(east.writer, 'insert into t values (4)')).toBe('25006');
    expect(local.daemon.dataPlane.lastGlobalSwitch).toMatchObject({ fromClusterId: 'gdl', toClusterId: 'gdl-west', allowDataLoss: true, catchUpMs: 0 });

    await detach('gdl', EAST, primaryArn);
    await detach('gdl', WEST, secondaryArn);
    await rds[EAST]!.send(new DeleteGlobalClusterCommand({ GlobalClusterIdentifier: 'gdl-global' }));
    await Promise.all([dropCluster(EAST, 'gdl', 1), dropCluster(WEST, 'gdl-west', 1)]);
  }, 120_000);

  it('refuses an identifier already used in the other region, saying why', async () => {
    await rds[EAST]!.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'twice', Engine: 'aurora-postgresql', MasterUsername: 'labadmin', MasterUserPassword: PASSWORD }));
    await eventually(async () => (await cluster(EAST, 'twice')).Status === 'available');
    const err = await rds[WEST]!.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'twice', Engine: 'aurora-postgresql', MasterUsername: 'labadmin', MasterUserPassword: PASSWORD })).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('InvalidParameterValue');
    expect((err as Error).message).toMatch(/already exists in us-east-1/);
    await rds[EAST]!.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'twice', SkipFinalSnapshot: true }));
    await eventually(async () => (await rds[EAST]!.send(new DescribeDBClustersCommand({}))).DBClusters!.length === 0, 30_000);
  }, 60_000);

  it('leaves no postgres process behind once both regions are torn down', async () => {
    expect(Object.keys(local.daemon.dataPlane.serverPids())).toEqual([]);
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(ps.split('\n').filter((l) => l.includes(local.daemon.dataPlane.baseDir))).toEqual([]);
  });
});
