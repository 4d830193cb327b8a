/**
 * IAM database authentication through the local server, driven by the real RDS client: the setting
 * from CreateDBCluster and ModifyDBCluster puts the front on (and takes it off) the endpoints, tokens
 * come from src/sql's signer as the labs get them, and refusals reach server.log and `local status`.
 */
import { CreateDBClusterCommand, CreateDBInstanceCommand, DescribeDBClustersCommand, ModifyDBClusterCommand, RDSClient, waitUntilDBInstanceAvailable } from '@aws-sdk/client-rds';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIamRefusals } from '../../src/local/iam/iam-refusal-log.js';
import type { Endpoint } from '../../src/sim/data-plane.js';
import { generateAuthToken } from '../../src/sql/iam-token.js';
import { sdkWaiter, startLocalDaemon, type LocalDaemon } from './daemon-fixture.js';
import { eventually, PASSWORD } from './local-plane-helpers.js';

const REGION = 'eu-west-1';
const CLUSTER = 'iam-srv';
let local: LocalDaemon;
let rds: RDSClient;
/** The cluster endpoint, where the IAM front listens. */
let endpoint: Endpoint;

async function login(user: string, password: string): Promise<pg.Client> {
  const client = new pg.Client({ host: endpoint.address, port: endpoint.port, user, password, database: 'labdb', ssl: { ca: local.daemon.dataPlane.caPem }, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

async function loginError(user: string, password: string): Promise<string | undefined> {
  try {
    await (await login(user, password)).end();
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? (err as Error).message;
  }
}

const token = () => generateAuthToken({ hostname: endpoint.address, port: endpoint.port, username: 'app_iam', region: REGION, credentials: local.credentials });

async function setIam(enabled: boolean): Promise<void> {
  await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: CLUSTER, EnableIAMDatabaseAuthentication: enabled, ApplyImmediately: true }));
  await eventually(async () => {
    const c = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER }))).DBClusters?.[0];
    return c?.Status === 'available' && c.IAMDatabaseAuthenticationEnabled === enabled;
  }, 30_000);
}

beforeAll(async () => {
  local = await startLocalDaemon('iam-server');
  rds = local.client(RDSClient, REGION);
  const created = await rds.send(new CreateDBClusterCommand({
    DBClusterIdentifier: CLUSTER, Engine: 'aurora-postgresql', MasterUsername: 'labadmin', MasterUserPassword: PASSWORD, DatabaseName: 'labdb',
    EnableIAMDatabaseAuthentication: true,
  }));
  endpoint = { address: created.DBCluster!.Endpoint!, port: created.DBCluster!.Port! };
  await rds.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: `${CLUSTER}-0`, DBClusterIdentifier: CLUSTER, Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium' }));
  await waitUntilDBInstanceAvailable(sdkWaiter(rds), { DBInstanceIdentifier: `${CLUSTER}-0` });
  const admin = await login('labadmin', PASSWORD);
  await admin.query('create user app_iam');
  await admin.query('grant rds_iam to app_iam');
  await admin.end();
}, 90_000);

afterAll(() => local?.close(), 60_000);

describe('IAM authentication on the local server', () => {
  it('takes a token from the SDK signer on a cluster created with IAM authentication on', async () => {
    const c = await login('app_iam', await token());
    expect((await c.query('select current_user as who, ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows[0]).toEqual({ who: 'app_iam', ssl: true });
    await c.end();
  });

  it('logs a refusal in server.log and in the summary `local status` shows, without the token', async () => {
    const good = await token();
    const tampered = good.replace(/X-Amz-Signature=(.)/, (_m, c: string) => `X-Amz-Signature=${c === 'f' ? 'e' : 'f'}`);
    expect(await loginError('app_iam', tampered)).toBe('28P01');
    const summary = readIamRefusals(local.controlDir);
    expect(summary.count).toBe(1);
    expect(summary.recent[0]).toMatchObject({ region: REGION, clusterId: CLUSTER, endpoint: `${CLUSTER}/cluster`, port: endpoint.port, user: 'app_iam', reason: 'bad-signature' });
    const log = readFileSync(join(local.controlDir, 'server.log'), 'utf8');
    expect(log).toMatch(/warn local\.iam\.refused .*"app_iam".*bad-signature/);
    const signature = tampered.split('X-Amz-Signature=')[1]!;
    expect(log).not.toContain(signature);
    expect(readFileSync(join(local.controlDir, 'iam-refusals.json'), 'utf8')).not.toContain(signature);
  });

  it('stops taking tokens after ModifyDBCluster turns IAM authentication off, and takes them again when on', async () => {
    await setIam(false);
    const refusedBefore = readIamRefusals(local.controlDir).count;
    // The instance itself answers now: it knows no token, only the front's internal password.
    expect(await loginError('app_iam', await token())).toBe('28P01');
    expect(readIamRefusals(local.controlDir).count).toBe(refusedBefore);
    const admin = await login('labadmin', PASSWORD);
    await admin.end();
    await setIam(true);
    const c = await login('app_iam', await token());
    await c.end();
  });
});
