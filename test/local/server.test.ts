/**
 * The local server through the real SDK clients: what the wire carries, AWS's error codes, status
 * transitions, and a failover seen from the databases themselves.
 */
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  FailoverDBClusterCommand,
  RDSClient,
  waitUntilDBInstanceAvailable,
  waitUntilDBInstanceDeleted,
} from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readServerInfo } from '../../src/local/daemon/daemon-files.js';
import { serverUser } from '../../src/local/core/os-user.js';
import { signedHeaders } from '../helpers/test-credentials.js';
import { errorName, sdkWaiter, startLocalDaemon, type LocalDaemon } from './daemon-fixture.js';
import { connect, eventually, PASSWORD } from './local-plane-helpers.js';

const REGION = 'us-east-1';
let local: LocalDaemon;
let rds: RDSClient;

async function createCluster(id: string, instances: number): Promise<void> {
  await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: id, Engine: 'aurora-postgresql', MasterUsername: 'labadmin', MasterUserPassword: PASSWORD, DatabaseName: 'labdb' }));
  for (let i = 0; i < instances; i++) {
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: `${id}-${i}`, DBClusterIdentifier: id, Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium', PromotionTier: i }));
  }
  for (let i = 0; i < instances; i++) await waitUntilDBInstanceAvailable(sdkWaiter(rds), { DBInstanceIdentifier: `${id}-${i}` });
}

/** Every directory under `dir` (itself included) with its mode and owner. */
function dirsUnder(dir: string): { path: string; mode: number; uid: number }[] {
  const st = statSync(dir);
  const out = [{ path: dir, mode: st.mode & 0o777, uid: st.uid }];
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...dirsUnder(join(dir, e.name)));
  return out;
}

async function dropCluster(id: string, instances: number): Promise<void> {
  for (let i = 0; i < instances; i++) await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: `${id}-${i}` })).catch(() => undefined);
  for (let i = 0; i < instances; i++) await waitUntilDBInstanceDeleted(sdkWaiter(rds), { DBInstanceIdentifier: `${id}-${i}` }).catch(() => undefined);
  await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, SkipFinalSnapshot: true })).catch(() => undefined);
}

beforeAll(async () => {
  local = await startLocalDaemon('server');
  rds = local.client(RDSClient, REGION);
}, 60_000);

afterAll(() => local?.close(), 60_000);

describe('the local server', () => {
  it('records where it listens in server.json and logs no password', async () => {
    const info = readServerInfo(local.controlDir)!;
    expect(info.port).toBe(local.daemon.server.port);
    expect(info.url).toBe(`http://127.0.0.1:${local.daemon.server.port}`);
    expect(readFileSync(info.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
    const sts = new STSClient({ region: REGION, endpoint: info.url, credentials: local.credentials });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    expect(me.Account).toBe('000000000000');
  });

  it('answers CreateDBCluster with the local endpoints, and moves the cluster and its instances from creating to available', async () => {
    const out = await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'wire', Engine: 'aurora-postgresql', MasterUsername: 'labadmin', MasterUserPassword: PASSWORD, DatabaseName: 'labdb' }));
    try {
      expect(out.DBCluster?.Status).toBe('creating');
      // As on AWS: plain hosts (loopback addresses of their own) on one Port.
      expect(out.DBCluster?.Endpoint).toMatch(/^127\.\d+\.\d+\.\d+$/);
      expect(out.DBCluster?.ReaderEndpoint).toMatch(/^127\.\d+\.\d+\.\d+$/);
      expect(out.DBCluster?.ReaderEndpoint).not.toBe(out.DBCluster?.Endpoint);
      expect(out.DBCluster?.Port).toBe(local.daemon.dataPlane.movedPorts.get('wire')?.port ?? 5432);
      expect(out.DBCluster?.DBClusterMembers).toEqual([]);
      const inst = await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: 'wire-0', DBClusterIdentifier: 'wire', Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium' }));
      expect(inst.DBInstance?.DBInstanceStatus).toBe('creating');
      expect(inst.DBInstance?.Endpoint).toBeUndefined();
      await waitUntilDBInstanceAvailable(sdkWaiter(rds), { DBInstanceIdentifier: 'wire-0' });
      const [i] = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'wire-0' }))).DBInstances!;
      expect(i!.DBInstanceStatus).toBe('available');
      expect(i!.Endpoint?.Address).toMatch(/^127\.\d+\.\d+\.\d+$/);
      expect([out.DBCluster?.Endpoint, out.DBCluster?.ReaderEndpoint]).not.toContain(i!.Endpoint?.Address);
      expect(i!.Endpoint?.Port).toBe(out.DBCluster?.Port);
      const [c] = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'wire' }))).DBClusters!;
      expect(c!.Status).toBe('available');
      expect(c!.DBClusterMembers).toEqual([expect.objectContaining({ DBInstanceIdentifier: 'wire-0', IsClusterWriter: true })]);
      // Nobody but each directory's owner may list or read the server's data: the data dirs belong to
      // the user PostgreSQL runs as, everything else to us.
      const dirs = dirsUnder(local.daemon.dataPlane.baseDir);
      expect(dirs.filter((d) => (d.mode & 0o044) !== 0)).toEqual([]);
      const dataDirs = dirs.filter((d) => d.path.endsWith('/data'));
      expect(dataDirs.length).toBeGreaterThan(0);
      expect(dataDirs.every((d) => d.mode === 0o700 && d.uid === (serverUser()?.uid ?? process.getuid!()))).toBe(true);
      const db = await connect(local.daemon.dataPlane, { address: c!.Endpoint!, port: c!.Port! });
      const row = (await db.query('select aurora_db_instance_identifier() as id, pg_is_in_recovery() as ro')).rows[0];
      await db.end();
      expect(row).toEqual({ id: 'wire-0', ro: false });

      // AWS's error cases, with AWS's codes.
      expect(await errorName(rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'wire', Engine: 'aurora-postgresql', MasterUsername: 'labadmin', MasterUserPassword: PASSWORD })))).toBe('DBClusterAlreadyExistsFault');
      expect(await errorName(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'wire', SkipFinalSnapshot: true })))).toBe('InvalidDBClusterStateFault');
      expect(await errorName(rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'wire' })))).toBe('InvalidDBClusterStateFault');
      expect(await errorName(rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' })))).toBe('DBClusterNotFoundFault');
      expect(await errorName(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' })))).toBe('DBInstanceNotFoundFault');

      const del = await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'wire-0' }));
      expect(del.DBInstance?.DBInstanceStatus).toBe('deleting');
      await waitUntilDBInstanceDeleted(sdkWaiter(rds), { DBInstanceIdentifier: 'wire-0' });
      const gone = await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'wire', SkipFinalSnapshot: true }));
      expect(gone.DBCluster?.Status).toBe('deleting');
      await eventually(async () => (await errorName(rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'wire' })))) === 'DBClusterNotFoundFault', 10_000);
    } finally {
      await dropCluster('wire', 1);
    }
  }, 60_000);

  it('rejects an unknown parameter with AWS\'s error shape', async () => {
    const body = 'Action=DescribeDBClusters&Version=2014-10-31&NoSuchThing=1';
    const { host: _host, ...headers } = await signedHeaders({ url: local.daemon.info.url, body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, region: REGION, service: 'rds', credentials: local.credentials });
    const res = await fetch(local.daemon.info.url, { method: 'POST', headers, body });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/<Code>\w+<\/Code>/);
  });

  it('fails over for real: the databases themselves say which one is the writer before and after', async () => {
    await createCluster('fo', 2);
    try {
      const instances = (await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['fo'] }] }))).DBInstances!;
      const ep = (id: string) => {
        const e = instances.find((i) => i.DBInstanceIdentifier === id)!.Endpoint!;
        return { address: e.Address!, port: e.Port! };
      };
      const role = async (id: string) => {
        const c = await connect(local.daemon.dataPlane, ep(id));
        try {
          return (await c.query('select pg_is_in_recovery() as ro')).rows[0].ro as boolean;
        } finally {
          await c.end();
        }
      };
      const [cluster] = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'fo' }))).DBClusters!;
      const clusterEp = { address: cluster!.Endpoint!, port: cluster!.Port! };
      expect(await role('fo-0')).toBe(false);
      expect(await role('fo-1')).toBe(true);
      const w = await connect(local.daemon.dataPlane, clusterEp);
      await w.query('create table t (id int primary key)');
      await w.query('insert into t values (1)');
      expect((await w.query('select aurora_db_instance_identifier() as id')).rows[0].id).toBe('fo-0');
      await w.end();

      const out = await rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: 'fo', TargetDBInstanceIdentifier: 'fo-1' }));
      expect(out.DBCluster?.Status).toBe('failing-over');
      await eventually(async () => {
        const [c] = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'fo' }))).DBClusters!;
        return c!.Status === 'available' && c!.DBClusterMembers!.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier === 'fo-1';
      }, 30_000);
      await waitUntilDBInstanceAvailable(sdkWaiter(rds), { DBInstanceIdentifier: 'fo-0' });

      expect(await eventually(async () => (await role('fo-1')) === false, 10_000)).toBe(true);
      expect(await eventually(async () => (await role('fo-0')) === true, 10_000)).toBe(true);
      const after = await connect(local.daemon.dataPlane, clusterEp);
      const row = (await after.query('select aurora_db_instance_identifier() as id, pg_is_in_recovery() as ro, (select count(*)::int from t) as n')).rows[0];
      await after.query('insert into t values (2)');
      await after.end();
      expect(row).toEqual({ id: 'fo-1', ro: false, n: 1 });
      // The old writer is now a reader of the new one: it sees the write made after the failover.
      const old = await connect(local.daemon.dataPlane, ep('fo-0'));
      const n = await eventually(async () => ((await old.query('select count(*)::int as n from t')).rows[0].n === 2 ? 2 : 0), 10_000);
      await old.end();
      expect(n).toBe(2);
    } finally {
      await dropCluster('fo', 2);
    }
  }, 120_000);
});
