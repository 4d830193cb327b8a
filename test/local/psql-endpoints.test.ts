/**
 * The endpoints of an SDK-created local cluster, used as a learner copying AWS's documentation would:
 * the real psql client, `-h "$Endpoint" -p "$Port"` and `-h "$ReaderEndpoint" -p "$Port"`, with
 * sslmode=verify-full against the local CA named by PGSSLROOTCERT.
 */
import { CreateDBClusterCommand, CreateDBInstanceCommand, DescribeDBClustersCommand, DescribeDBInstancesCommand, RDSClient, waitUntilDBInstanceAvailable } from '@aws-sdk/client-rds';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPortFree } from '../../src/local/core/ports.js';
import { sdkWaiter, startLocalDaemon, type LocalDaemon } from './daemon-fixture.js';
import { PASSWORD } from './local-plane-helpers.js';

const execFileP = promisify(execFile);
const PSQL = '/usr/bin/psql';
const REGION = 'us-east-1';
let local: LocalDaemon;
let rds: RDSClient;

/** psql -h host -p port with verify-full; returns "instance-id|in-recovery". */
async function psqlWho(host: string, port: number): Promise<string> {
  const { stdout } = await execFileP(PSQL, ['-h', host, '-p', String(port), '-U', 'labadmin', '-d', 'labdb', '-XAtc', 'select aurora_db_instance_identifier(), pg_is_in_recovery()'], {
    env: { PATH: process.env.PATH, PGPASSWORD: PASSWORD, PGSSLMODE: 'verify-full', PGSSLROOTCERT: local.daemon.info.caFile, PGCONNECT_TIMEOUT: '10' },
    timeout: 20_000,
  });
  return stdout.trim();
}

beforeAll(async () => {
  local = await startLocalDaemon('psql');
  rds = local.client(RDSClient, REGION);
  await rds.send(new CreateDBClusterCommand({ DBClusterIdentifier: 'ps', Engine: 'aurora-postgresql', MasterUsername: 'labadmin', MasterUserPassword: PASSWORD, DatabaseName: 'labdb' }));
  for (const [i, tier] of [[0, 0], [1, 1]] as const) {
    await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: `ps-${i}`, DBClusterIdentifier: 'ps', Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium', PromotionTier: tier }));
  }
  for (const id of ['ps-0', 'ps-1']) await waitUntilDBInstanceAvailable(sdkWaiter(rds), { DBInstanceIdentifier: id });
}, 120_000);

afterAll(() => local?.close(), 60_000);

describe('psql at the endpoints of an SDK-created local cluster', () => {
  it('reaches the writer at Endpoint:Port and a reader at ReaderEndpoint:Port with sslmode=verify-full', async () => {
    const [c] = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'ps' }))).DBClusters!;
    expect(c!.Endpoint).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(c!.ReaderEndpoint).toMatch(/^127\.\d+\.\d+\.\d+$/);
    expect(c!.ReaderEndpoint).not.toBe(c!.Endpoint);
    expect(await psqlWho(c!.Endpoint!, c!.Port!)).toBe('ps-0|f');
    expect(await psqlWho(c!.ReaderEndpoint!, c!.Port!)).toBe('ps-1|t');
  });

  it('reaches each instance at its own Endpoint.Address on the cluster Port', async () => {
    const [c] = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'ps' }))).DBClusters!;
    const instances = (await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['ps'] }] }))).DBInstances!;
    for (const i of instances) {
      expect(i.Endpoint!.Port).toBe(c!.Port);
      expect([c!.Endpoint, c!.ReaderEndpoint]).not.toContain(i.Endpoint!.Address);
      expect(await psqlWho(i.Endpoint!.Address!, i.Endpoint!.Port!)).toBe(`${i.DBInstanceIdentifier}|${i.DBInstanceIdentifier === 'ps-0' ? 'f' : 't'}`);
    }
  });

  it("listens on PostgreSQL's default port 5432 unless that is taken, and then says so", async () => {
    const [c] = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'ps' }))).DBClusters!;
    const moved = local.daemon.dataPlane.movedPorts.get('ps');
    if (c!.Port === 5432) {
      expect(moved).toBeUndefined();
    } else {
      // Only where another program holds 5432 on the block's addresses (checked while ours still listen).
      expect(moved).toMatchObject({ wanted: 5432, port: c!.Port });
      expect(await isPortFree(5432, c!.Endpoint!)).toBe(false);
    }
  });

  it('refuses verify-full when the client trusts no local CA', async () => {
    const [c] = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'ps' }))).DBClusters!;
    const run = execFileP(PSQL, ['-h', c!.Endpoint!, '-p', String(c!.Port!), '-U', 'labadmin', '-d', 'labdb', '-XAtc', 'select 1'], {
      env: { PATH: process.env.PATH, PGPASSWORD: PASSWORD, PGSSLMODE: 'verify-full', PGSSLROOTCERT: '/etc/ssl/certs/ca-certificates.crt', PGCONNECT_TIMEOUT: '10' },
      timeout: 20_000,
    });
    await expect(run).rejects.toMatchObject({ stderr: expect.stringMatching(/certificate verify failed/i) });
  });
});
