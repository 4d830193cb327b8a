/**
 * The local target as a learner uses it with other tools: `aurora-lab local start`, the exports of
 * `aurora-lab local env --json`, then AWS's own CLI (/usr/bin/aws, Debian's v2.9, which needs
 * --endpoint-url) and psql (/usr/bin/psql) create a cluster with two instances, wait, connect, fail
 * over, log in with an IAM token over verified TLS, and are refused as AWS refuses them when the
 * signature is wrong. Every aws call runs with an empty config, no instance metadata and explicit
 * --endpoint-url/--region/--no-cli-pager. Passwords and tokens travel in child environments only.
 *
 * Each aws process costs seconds of Python start-up (5-6 s on a busy CI machine), so calls that do not
 * depend on each other run side by side, one description serves the tests that only read it, and
 * polling that merely waits for the local target goes through the SDK. The waiter is the CLI's own
 * DBInstanceAvailable model from the installed package, given to it through AWS_DATA_PATH (botocore's
 * data_path setting) with a 1 s delay instead of 30 s: same operation, same acceptors, shorter sleep.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCli, type LocalCli } from '../helpers/local-cli.js';

const AWS = '/usr/bin/aws';
const PSQL = '/usr/bin/psql';
const REGION = 'eu-west-1';
const CLUSTER = 'awscli-pg';
/** The RDS waiter model Debian's awscli 2.9 ships (its vendored botocore's data). */
const CLI_WAITERS = '/usr/lib/python3/dist-packages/awscli/botocore/data/rds/2014-10-31/waiters-2.json';

interface LocalEnv {
  AWS_ENDPOINT_URL: string;
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_REGION: string;
  AWS_DEFAULT_REGION: string;
  PGSSLROOTCERT: string;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let local: LocalCli;
let vars: LocalEnv;
let scratch: string;
/** AWS_DATA_PATH for every aws call: the CLI's RDS waiters, DBInstanceAvailable polling every second. */
let dataPath: string;
/** Every byte the CLI, aws and psql printed (but `local env`'s), searched for the secret key at the end. */
const printed: string[] = [];

function exec(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      printed.push(stdout, stderr);
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A clean environment: PATH only, a scratch HOME, and what the caller adds. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, LC_ALL: 'C.UTF-8', ...extra };
}

/** /usr/bin/aws with the local key pair (or `creds`), fresh empty config files and the required flags. */
function aws(args: string[], creds: { key?: string; secret?: string } = {}): Promise<Run> {
  const dir = mkdtempSync(join(scratch, 'aws-'));
  writeFileSync(join(dir, 'config'), '');
  writeFileSync(join(dir, 'credentials'), '');
  const env = cleanEnv({
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(dir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'),
    AWS_ACCESS_KEY_ID: creds.key ?? vars.AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: creds.secret ?? vars.AWS_SECRET_ACCESS_KEY,
    AWS_DATA_PATH: dataPath,
  });
  return exec(AWS, [...args, '--endpoint-url', vars.AWS_ENDPOINT_URL, '--region', REGION, '--no-cli-pager', '--output', 'json'], env);
}

async function awsJson(args: string[]): Promise<any> {
  const r = await aws(args);
  if (r.code !== 0) throw new Error(`aws ${args.slice(0, 2).join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/**
 * A data path holding only the CLI's own RDS waiter model with DBInstanceAvailable's delay cut from 30 s
 * to 1 s (and enough attempts for the test's bound): every other model is the package's.
 */
function shortWaiterDataPath(root: string): string {
  const model = JSON.parse(readFileSync(CLI_WAITERS, 'utf8'));
  const waiter = model.waiters.DBInstanceAvailable;
  expect([waiter.operation, waiter.delay]).toEqual(['DescribeDBInstances', 30]);
  waiter.delay = 1;
  waiter.maxAttempts = 240;
  const dir = join(root, 'aws-data');
  mkdirSync(join(dir, 'rds', '2014-10-31'), { recursive: true });
  writeFileSync(join(dir, 'rds', '2014-10-31', 'waiters-2.json'), JSON.stringify(model));
  return dir;
}

/** One query through psql, -At output; the password (or token) in PGPASSWORD of the child only. */
function psql(conn: { host: string; port: number; user: string; password: string }, sql: string): Promise<Run> {
  const dsn = `host=${conn.host} port=${conn.port} user=${conn.user} dbname=labdb sslmode=verify-full sslrootcert=${vars.PGSSLROOTCERT} connect_timeout=10`;
  return exec(PSQL, ['-X', '-At', '-v', 'ON_ERROR_STOP=1', '-d', dsn, '-c', sql], cleanEnv({ PGPASSWORD: conn.password }), 60_000);
}

async function psqlValue(conn: { host: string; port: number; user: string; password: string }, sql: string): Promise<string> {
  const r = await psql(conn, sql);
  if (r.code !== 0) throw new Error(`psql exited ${r.code}: ${r.stderr}`);
  return r.stdout.trim();
}

async function cluster(): Promise<any> {
  return (await awsJson(['rds', 'describe-db-clusters', '--db-cluster-identifier', CLUSTER])).DBClusters[0];
}

const writerOf = (c: any): string | undefined => c.DBClusterMembers.find((m: any) => m.IsClusterWriter)?.DBInstanceIdentifier;

/** The same signed DescribeDBClusters through the SDK: cheap enough to poll with. */
async function sdkCluster(): Promise<any> {
  const sdk = new RDSClient({ region: REGION, endpoint: vars.AWS_ENDPOINT_URL, credentials: { accessKeyId: vars.AWS_ACCESS_KEY_ID, secretAccessKey: vars.AWS_SECRET_ACCESS_KEY }, maxAttempts: 1 });
  try {
    return (await sdk.send(new DescribeDBClustersCommand({ DBClusterIdentifier: CLUSTER }))).DBClusters![0];
  } finally {
    sdk.destroy();
  }
}

let masterPassword = '';
/** The cluster as `aws rds describe-db-clusters` printed it once all instances were available (before the failover). */
let described: any;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'alab-awscli-'));
  dataPath = shortWaiterDataPath(scratch);
  local = await localCli();
  const started = await local.cli(['local', 'start']);
  printed.push(started.stdout, started.stderr);
  expect(started.code, started.stderr).toBe(0);
  const env = await local.cli(['local', 'env', '--json', '--region', REGION]);
  expect(env.code, env.stderr).toBe(0);
  vars = JSON.parse(env.stdout) as LocalEnv;
}, 120_000);

afterAll(async () => {
  await local?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}, 120_000);

describe('the AWS CLI and psql against the local target', () => {
  it('local env names the running server, a key pair of AWS\'s shape, the region and the local CA bundle', () => {
    expect(vars.AWS_ENDPOINT_URL).toBe(`http://127.0.0.1:${local.port}`);
    expect(vars.AWS_ACCESS_KEY_ID).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(vars.AWS_SECRET_ACCESS_KEY).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect([vars.AWS_REGION, vars.AWS_DEFAULT_REGION]).toEqual([REGION, REGION]);
    expect(readFileSync(vars.PGSSLROOTCERT, 'utf8')).toContain('BEGIN CERTIFICATE');
  });

  it('creates an aurora-postgresql cluster and two instances, and aws rds wait db-instance-available returns', async () => {
    const created = await awsJson([
      'rds', 'create-db-cluster', '--db-cluster-identifier', CLUSTER, '--engine', 'aurora-postgresql',
      '--master-username', 'labadmin', '--manage-master-user-password', '--database-name', 'labdb',
      '--enable-iam-database-authentication',
    ]);
    expect(created.DBCluster.Status).toBe('creating');
    const create = (i: number) => awsJson([
      'rds', 'create-db-instance', '--db-instance-identifier', `${CLUSTER}-${i}`, '--db-cluster-identifier', CLUSTER,
      '--engine', 'aurora-postgresql', '--db-instance-class', 'db.t4g.medium', '--promotion-tier', String(i),
    ]);
    const wait = (i: number) => aws(['rds', 'wait', 'db-instance-available', '--db-instance-identifier', `${CLUSTER}-${i}`]);
    // The first instance created becomes the writer, so -0 is created first; its wait and the
    // reader's create do not depend on each other and run side by side.
    const first = await create(0);
    expect(first.DBInstance.DBInstanceStatus).toBe('creating');
    const [second, waitedFirst] = await Promise.all([create(1), wait(0)]);
    expect(second.DBInstance.DBInstanceStatus).toBe('creating');
    expect(waitedFirst.code, waitedFirst.stderr).toBe(0);
    const waitedSecond = await wait(1);
    expect(waitedSecond.code, waitedSecond.stderr).toBe(0);
    const c = await cluster();
    expect(c.Status).toBe('available');
    expect(writerOf(c)).toBe(`${CLUSTER}-0`);
    described = c;
    // The master password is in the local Secrets Manager, read with the same signed CLI.
    const secret = await awsJson(['secretsmanager', 'get-secret-value', '--secret-id', c.MasterUserSecret.SecretArn]);
    masterPassword = JSON.parse(secret.SecretString).password;
    expect(masterPassword.length).toBeGreaterThan(7);
  }, 300_000);

  it('psql reaches the writer at DBCluster.Endpoint and DBCluster.Port over verified TLS', async () => {
    const c = described;
    const row = await psqlValue({ host: c.Endpoint, port: c.Port, user: 'labadmin', password: masterPassword }, 'select aurora_db_instance_identifier(), pg_is_in_recovery()');
    expect(row).toBe(`${CLUSTER}-0|f`);
  }, 120_000);

  it('psql reaches a reader at the endpoint its instance reports', async () => {
    // The reader endpoint's shape is changing (host and Port, as on AWS); the instance endpoint is already that shape.
    const inst = (await awsJson(['rds', 'describe-db-instances', '--db-instance-identifier', `${CLUSTER}-1`])).DBInstances[0];
    const row = await psqlValue({ host: inst.Endpoint.Address, port: inst.Endpoint.Port, user: 'labadmin', password: masterPassword }, 'select aurora_db_instance_identifier(), pg_is_in_recovery()');
    expect(row).toBe(`${CLUSTER}-1|t`);
  }, 120_000);

  it('reports an EngineVersion whose major is the major of the PostgreSQL that answers', async () => {
    const c = described;
    const serverMajor = Math.floor(Number(await psqlValue({ host: c.Endpoint, port: c.Port, user: 'labadmin', password: masterPassword }, 'show server_version_num')) / 10000);
    expect(String(c.EngineVersion).split('.')[0]).toBe(String(serverMajor));
  }, 120_000);

  it('aws rds failover-db-cluster moves the writer, and the cluster endpoint follows it', async () => {
    const out = await awsJson(['rds', 'failover-db-cluster', '--db-cluster-identifier', CLUSTER, '--target-db-instance-identifier', `${CLUSTER}-1`]);
    expect(out.DBCluster.DBClusterIdentifier).toBe(CLUSTER);
    // FailoverDBCluster can answer before the writer changes: poll DescribeDBClusters through the SDK
    // (bounded by the test timeout), then read the outcome with the CLI.
    for (let s = await sdkCluster(); writerOf(s) !== `${CLUSTER}-1` || s.Status !== 'available'; s = await sdkCluster()) {
      await new Promise((r) => setTimeout(r, 200));
    }
    const c = await cluster();
    expect([writerOf(c), c.Status]).toEqual([`${CLUSTER}-1`, 'available']);
    described = c;
    const row = await psqlValue({ host: c.Endpoint, port: c.Port, user: 'labadmin', password: masterPassword }, 'select aurora_db_instance_identifier(), pg_is_in_recovery()');
    expect(row).toBe(`${CLUSTER}-1|f`);
  }, 300_000);

  it('a token from aws rds generate-db-auth-token logs an rds_iam user in with sslmode=verify-full; one signed with a wrong secret does not', async () => {
    // The cluster as the CLI described it after the failover (the endpoint follows the writer).
    const c = described;
    expect(c.IAMDatabaseAuthenticationEnabled).toBe(true);
    const master = { host: c.Endpoint, port: c.Port, user: 'labadmin', password: masterPassword };
    const tokenArgs = ['rds', 'generate-db-auth-token', '--hostname', c.Endpoint, '--port', String(c.Port), '--username', 'app_iam'];
    // The user, the token and the forged token do not depend on each other.
    const [, token, forged] = await Promise.all([
      psqlValue(master, 'create user app_iam; grant rds_iam to app_iam; grant connect on database labdb to app_iam'),
      aws(tokenArgs),
      aws(tokenArgs, { secret: 'x'.repeat(40) }),
    ]);
    expect(token.code, token.stderr).toBe(0);
    expect(await psqlValue({ ...master, user: 'app_iam', password: token.stdout.trim() }, 'select current_user')).toBe('app_iam');
    expect(forged.code).toBe(0);
    expect(forged.stdout.trim()).not.toBe(token.stdout.trim());
    const refused = await psql({ ...master, user: 'app_iam', password: forged.stdout.trim() }, 'select 1');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('password authentication failed for user "app_iam"');
  }, 180_000);

  it('refuses requests signed with a wrong secret, an unknown key or no signature, with AWS\'s codes', async () => {
    // Four independent refusals, side by side.
    const [wrong, unknown, unsigned, secrets] = await Promise.all([
      aws(['rds', 'describe-db-clusters'], { secret: 'x'.repeat(40) }),
      aws(['rds', 'describe-db-clusters'], { key: 'AKIAIOSFODNN7EXAMPLE' }),
      aws(['rds', 'describe-db-clusters', '--no-sign-request']),
      aws(['secretsmanager', 'list-secrets'], { key: 'AKIAIOSFODNN7EXAMPLE' }),
    ]);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('An error occurred (SignatureDoesNotMatch) when calling the DescribeDBClusters operation: The request signature we calculated does not match');
    expect(unknown.stderr).toContain('An error occurred (InvalidClientTokenId) when calling the DescribeDBClusters operation: The security token included in the request is invalid.');
    expect(unsigned.stderr).toContain('An error occurred (MissingAuthenticationToken) when calling the DescribeDBClusters operation');
    expect(secrets.stderr).toContain('An error occurred (UnrecognizedClientException) when calling the ListSecrets operation');

    const sdk = new RDSClient({ region: REGION, endpoint: vars.AWS_ENDPOINT_URL, credentials: { accessKeyId: vars.AWS_ACCESS_KEY_ID, secretAccessKey: 'x'.repeat(40) }, maxAttempts: 1 });
    try {
      const err = await sdk.send(new DescribeDBClustersCommand({})).then(() => undefined, (e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
      expect([err?.name, err?.$metadata?.httpStatusCode]).toEqual(['SignatureDoesNotMatch', 403]);
    } finally {
      sdk.destroy();
    }
  }, 180_000);

  it('never writes the secret key anywhere but its own file, nor prints it anywhere but local env', async () => {
    const status = await local.cli(['local', 'status', '--json']);
    printed.push(status.stdout, status.stderr);
    const secret = vars.AWS_SECRET_ACCESS_KEY;
    const own = join(local.env.home, 'secrets', 'local-credentials.json');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile() && p !== own && statSync(p).size < 64 * 1024 * 1024) files.push(p);
      }
    };
    walk(local.env.home);
    walk(local.dataDir);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => readFileSync(f).includes(secret))).toEqual([]);
    expect(printed.filter((p) => p.includes(secret))).toEqual([]);
    expect(readFileSync(own, 'utf8')).toContain(secret);
  }, 120_000);
});
