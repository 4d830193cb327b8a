/**
 * End to end: spawn bin/aurora-lab.js (the built dist; `npm test` builds first) with a temp
 * AURORA_LAB_HOME and HOME, no AWS credentials and the metadata service disabled. Nothing here
 * reaches beyond 127.0.0.1.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimCloud } from '../../src/sim/model/cloud.js';
import { startSimServer, type SimServer } from '../../src/sim/server.js';
import { validateInput } from '../../src/sim/shapes.js';
import type { SimCall } from '../../src/sim/types.js';
import { FIXTURES, ROOT, killAll, makeCliEnv, runCli, type CliEnv } from '../helpers/cli.js';
import { TEST_CREDENTIALS } from '../helpers/test-credentials.js';

let env: CliEnv;
beforeAll(() => {
  env = makeCliEnv();
});
afterAll(() => killAll());

interface RunDoc {
  runId: string;
  status: string;
  engine: string;
  target: string;
  steps: { id: string; status: string; calls: { service: string; operation: string; input: Record<string, unknown> }[] }[];
  resources: { type: string; id: string; status: string }[];
  cost?: { classes: { class: string; engine: string; count: number; hourly: number | null }[]; hourlyTotal: number | null };
  error?: { code: string; message: string; details?: string[] };
}

const PRICES = JSON.parse(readFileSync(path.join(ROOT, 'labs', 'prices.json'), 'utf8')) as { instanceHour: Record<string, number> };

const runsDir = (e: CliEnv) => path.join(e.home, 'runs');
const runDirs = (e: CliEnv) => (existsSync(runsDir(e)) ? readdirSync(runsDir(e)) : []);

/** Run a command with a preload that records every module resolved; returns the recorded lines. */
async function modulesLoadedBy(args: string[]): Promise<{ code: number | null; lines: string[] }> {
  const e = makeCliEnv();
  const file = path.join(path.dirname(e.home), 'modules.txt');
  const res = await runCli(e, args, { nodeArgs: ['--import', path.join(FIXTURES, 'record-modules.mjs')], env: { RECORD_MODULES_FILE: file } });
  return { code: res.code, lines: readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

const DRIVERS = /(@aws-sdk\/|@smithy\/|node_modules\/pg\/|node_modules\/pg-|node_modules\/mysql2\/|^(esm|cjs) (pg|mysql2)\b)/;

describe('aurora-lab CLI', () => {
  it('--help exits 0 and loads no AWS SDK module and no database driver', async () => {
    const { code, lines } = await modulesLoadedBy(['--help']);
    expect(code).toBe(0);
    // The recorder works: it saw the preload and the CLI's own modules.
    expect(lines[0]).toBe('preload installed');
    expect(lines.some((l) => l.includes('/dist/cli/main.js'))).toBe(true);
    expect(lines.some((l) => l.includes('node_modules/commander/'))).toBe(true);
    expect(lines.filter((l) => DRIVERS.test(l))).toEqual([]);
  });

  it('list loads no AWS SDK module and no database driver', async () => {
    const { code, lines } = await modulesLoadedBy(['list']);
    expect(code).toBe(0);
    expect(lines.some((l) => l.includes('/dist/cli/commands/list.js'))).toBe(true);
    expect(lines.filter((l) => DRIVERS.test(l))).toEqual([]);
  });

  it('the module recorder does see the SDK when a command loads it (a dry run)', async () => {
    const { code, lines } = await modulesLoadedBy(['run', 'cluster-launch', '--dry-run', '--json']);
    expect(code).toBe(0);
    expect(lines.some((l) => l.includes('@aws-sdk/client-rds'))).toBe(true);
  });

  it('list shows cluster-launch with its title', async () => {
    const res = await runCli(env, ['list']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/cluster-launch/);
    expect(res.stdout).toMatch(/Launch an Aurora cluster/);
  });

  it('show cluster-launch shows its steps and the resources it creates', async () => {
    const res = await runCli(env, ['show', 'cluster-launch']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Steps/);
    expect(res.stdout).toMatch(/Create the cluster .*CreateDBCluster/);
    expect(res.stdout).toMatch(/CreateDBInstance/);
    expect(res.stdout).toMatch(/db-cluster/);
    expect(res.stdout).toMatch(/db-instance/);
  });

  for (const engine of ['aurora-postgresql', 'aurora-mysql']) {
    it(`run cluster-launch --dry-run --json (${engine}) prints one document: one cluster, three instances, valid inputs, deletes at the end`, async () => {
      const e = makeCliEnv();
      const res = await runCli(e, ['run', 'cluster-launch', '--dry-run', '--json', '--engine', engine]);
      expect(res.code, res.stderr).toBe(0);
      const doc = JSON.parse(res.stdout) as RunDoc; // exactly one JSON document: parse would fail otherwise
      expect(doc.status).toBe('succeeded');
      expect(doc.engine).toBe(engine);
      expect(doc.target).toBe('dry-run');
      const calls = doc.steps.flatMap((s) => s.calls.map((c) => ({ ...c, step: s.id })));
      const clusters = calls.filter((c) => c.operation === 'CreateDBCluster');
      const instances = calls.filter((c) => c.operation === 'CreateDBInstance');
      expect(clusters).toHaveLength(1);
      expect(instances).toHaveLength(3);
      const clusterId = clusters[0]!.input.DBClusterIdentifier;
      expect(clusters[0]!.input.Engine).toBe(engine);
      expect(new Set(instances.map((c) => c.input.DBInstanceIdentifier)).size).toBe(3);
      expect(instances.map((c) => c.input.PromotionTier).sort()).toEqual([0, 1, 2]);
      for (const c of instances) {
        expect(c.input.DBClusterIdentifier).toBe(clusterId);
        // Aurora instances take no storage, master user or security groups: those belong to the cluster.
        for (const k of ['AllocatedStorage', 'MasterUsername', 'MasterUserPassword', 'VpcSecurityGroupIds']) expect(c.input).not.toHaveProperty(k);
      }
      for (const c of [...clusters, ...instances]) {
        expect(await validateInput('rds', c.operation, c.input)).toEqual([]);
        expect(c.input.Tags).toEqual(expect.arrayContaining([{ Key: 'aurora-lab:run-id', Value: doc.runId }]));
      }
      const teardown = doc.steps[doc.steps.length - 1]!;
      expect(teardown.id).toBe('teardown');
      const deletes = teardown.calls.filter((c) => c.operation.startsWith('Delete'));
      expect(deletes.filter((c) => c.operation === 'DeleteDBInstance').map((c) => c.input.DBInstanceIdentifier).sort()).toEqual(
        instances.map((c) => c.input.DBInstanceIdentifier).sort(),
      );
      const clusterDeletes = deletes.filter((c) => c.operation === 'DeleteDBCluster');
      expect(clusterDeletes).toHaveLength(1);
      expect(clusterDeletes[0]!.input.DBClusterIdentifier).toBe(clusterId);
      // Instances go before their cluster.
      expect(deletes.findIndex((c) => c.operation === 'DeleteDBCluster')).toBeGreaterThan(deletes.findLastIndex((c) => c.operation === 'DeleteDBInstance'));
      expect(doc.resources.every((r) => r.status === 'deleted')).toBe(true);
      // The cost guard priced the classes the lookup resolved, before the first create.
      const hourly = PRICES.instanceHour['db.t4g.medium']!;
      expect(doc.cost).toMatchObject({ classes: [{ class: 'db.t4g.medium', engine, count: 3, hourly }], hourlyTotal: Math.round(3 * hourly * 10_000) / 10_000 });
      // Progress went to stderr, not stdout.
      expect(res.stderr).toMatch(/Create the cluster/);
    });
  }

  for (const extra of [[], ['--yes']]) {
    it(`a class forced with --param instanceClass=db.r5.12xlarge${extra.length ? ' and --yes' : ''} stops the dry run with exit 2 before any create, and leaves no run`, async () => {
      const e = makeCliEnv();
      const res = await runCli(e, ['run', 'cluster-launch', '--dry-run', '--json', '--param', 'instanceClass=db.r5.12xlarge', ...extra]);
      expect(res.code, res.stderr).toBe(2);
      const doc = JSON.parse(res.stdout) as RunDoc;
      expect(doc.status).toBe('failed');
      expect(doc.error?.code).toBe('COST_NOT_ALLOWED');
      expect(doc.error?.details?.join('\n')).toMatch(/db\.r5\.12xlarge/);
      const ops = doc.steps.flatMap((st) => st.calls.map((c) => c.operation));
      expect(ops.length).toBeGreaterThan(0);
      expect(ops.filter((op) => !op.startsWith('Describe'))).toEqual([]);
      expect(doc.cost?.hourlyTotal).toBeNull();
      expect(runDirs(e)).toEqual([]);
    });
  }

  it('run --json shows the class named with --param and its hourly price, and the run goes on', async () => {
    const e = makeCliEnv();
    const res = await runCli(e, ['run', 'cluster-launch', '--dry-run', '--json', '--param', 'instanceClass=db.r7g.large']);
    expect(res.code, res.stderr).toBe(0);
    const doc = JSON.parse(res.stdout) as RunDoc;
    const hourly = PRICES.instanceHour['db.r7g.large']!;
    expect(doc.cost).toMatchObject({ classes: [{ class: 'db.r7g.large', count: 3, hourly }], hourlyTotal: Math.round(3 * hourly * 10_000) / 10_000 });
    const created = doc.steps.flatMap((st) => st.calls).filter((c) => c.operation === 'CreateDBInstance');
    expect(created.map((c) => c.input.DBInstanceClass)).toEqual(['db.r7g.large', 'db.r7g.large', 'db.r7g.large']);
    expect(res.stderr).toMatch(/cost of what this run creates: 3 × db\.r7g\.large/);
  });

  it('a bad --max-hourly exits 2 before anything is called', async () => {
    const e = makeCliEnv();
    const res = await runCli(e, ['run', 'cluster-launch', '--dry-run', '--max-hourly', 'lots']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--max-hourly "lots" is not a number/);
    expect(runDirs(e)).toEqual([]);
  });

  it('a malformed lab file prints file:line:col lines on stderr, exits 2 and calls nothing', async () => {
    const e = makeCliEnv();
    const res = await runCli(e, ['run', './test/fixtures/broken.yaml', '--dry-run']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('test/fixtures/broken.yaml:3:8: level:');
    expect(res.stderr).toContain('test/fixtures/broken.yaml:20:5: steps.1: unknown field "colour"');
    expect(res.stderr).not.toMatch(/→ rds:/);
    expect(res.stdout).toBe('');
    expect(existsSync(e.home)).toBe(false);
  });

  it('--json with a malformed lab prints one error document with the problems', async () => {
    const res = await runCli(makeCliEnv(), ['run', './test/fixtures/broken.yaml', '--dry-run', '--json']);
    expect(res.code).toBe(2);
    const doc = JSON.parse(res.stdout) as { error: { code: string; details: string[] } };
    expect(doc.error.code).toBe('LAB_INVALID');
    expect(doc.error.details).toHaveLength(2);
  });

  it('an unknown lab exits 2', async () => {
    const res = await runCli(env, ['run', 'no-such-lab', '--dry-run']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown lab "no-such-lab"/);
  });

  it('a bad --engine exits 2', async () => {
    const res = await runCli(env, ['run', 'cluster-launch', '--dry-run', '--engine', 'oracle']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/oracle/);
  });

  it('a bad --region exits 2', async () => {
    const e = makeCliEnv();
    const res = await runCli(e, ['--region', 'moon-base', 'run', 'cluster-launch', '--dry-run']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/"moon-base" is not an AWS region name/);
    expect(runDirs(e)).toEqual([]);
  });

  it('teardown and verify of an unknown run id exit 4', async () => {
    for (const cmd of ['teardown', 'verify']) {
      const res = await runCli(env, [cmd, 'nosuchrun']);
      expect(res.code, `${cmd}: ${res.stderr}`).toBe(4);
      expect(res.stderr).toMatch(/no run "nosuchrun"/);
    }
  });

  it('running against AWS without credentials exits 3 with a hint, and creates no run', async () => {
    const e = makeCliEnv();
    const res = await runCli(e, ['run', 'cluster-launch', '--yes'], {
      env: { AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AURORA_LAB_CALLER_CIDR: '203.0.113.7/32' },
    });
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/no AWS credentials/);
    expect(res.stderr).toMatch(/hint: .*aws configure/);
    expect(runDirs(e)).toEqual([]);
  });

  describe('against AWS with credentials but no TTY', () => {
    // A simulated control plane over HTTP stands in for AWS: the run's read-only lookups are answered
    // (they come before the confirmation now), and every call it receives is recorded.
    let server: SimServer;
    const calls: SimCall[] = [];
    beforeAll(async () => {
      const sim = new SimCloud({ accountId: '111122223333' });
      server = await startSimServer({ credentials: TEST_CREDENTIALS, handler: (call) => (calls.push(call), sim.call(call)) });
    });
    afterAll(() => server.close());

    it('run without --yes shows the account and the resolved classes with their price, and refuses with exit 2; only read-only calls were made and nothing was created', async () => {
      const e = makeCliEnv();
      const res = await runCli(e, ['run', 'cluster-launch'], {
        env: {
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
          AWS_ENDPOINT_URL: server.url,
          AURORA_LAB_CALLER_CIDR: '203.0.113.7/32',
        },
      });
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(/account 111122223333, region us-east-1/);
      expect(res.stderr).toContain(`3 × db.t4g.medium (aurora-postgresql) at $${PRICES.instanceHour['db.t4g.medium']!.toFixed(3)}/h`);
      expect(res.stderr).toMatch(/the lab file's estimate: ~25 min/);
      expect(res.stderr).toMatch(/needs confirmation, and there is no terminal/);
      expect(res.stderr).toMatch(/--yes/);
      expect(calls[0]!.operation).toBe('GetCallerIdentity');
      expect(calls.map((c) => c.operation)).toEqual(expect.arrayContaining(['DescribeDBEngineVersions', 'DescribeOrderableDBInstanceOptions']));
      expect(calls.filter((c) => !/^(Describe|Get)/.test(c.operation))).toEqual([]);
      expect(runDirs(e)).toEqual([]);
    });
  });
});

afterAll(() => env && rmSync(env.home, { recursive: true, force: true }));
