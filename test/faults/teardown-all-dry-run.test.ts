/**
 * `teardown --all --dry-run` on the simulated accounts of kept dry runs: --expired takes only the runs
 * past their aurora-lab:expires-at (a tag rewritten here through the SDK, in the run's own sim.json),
 * and --all searches every region the account's runs reach (a global database's secondary region)
 * plus --regions, and nothing untagged is touched.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import type { Target } from '../../src/engine/target.js';
import { killAll, makeCliEnv, runCli, type CliEnv } from '../helpers/cli.js';

let env: CliEnv;
const cli = (args: string[]) => runCli(env, args, { timeoutMs: 60_000 });

beforeAll(() => {
  env = makeCliEnv();
});
afterAll(() => killAll());

function json(r: { stdout: string; stderr: string; code: number | null }, what: string): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`${what} printed no JSON (exit ${r.code})\n${r.stderr.slice(-3000)}`);
  }
}

async function keptDryRun(more: string[] = []): Promise<string> {
  const r = await cli(['run', 'cluster-launch', '--dry-run', '--keep', '--yes', '--json', ...more]);
  const doc = json(r, 'run cluster-launch --dry-run');
  expect(r.code, r.stderr.slice(-3000)).toBe(0);
  return doc.runId as string;
}

/** Opens a dry run's simulated account, lets fn act in it through the SDK, and saves it back. */
async function inSim<T>(runId: string, fn: (t: Target) => Promise<T>): Promise<T> {
  const t = await dryRunTarget({ region: 'us-east-1', runDir: join(env.home, 'runs', runId) });
  try {
    const out = await fn(t);
    await t.save();
    return out;
  } finally {
    await t.close();
  }
}

type Tag = { Key: string; Value: string };
const runIdOf = (tags: Tag[] | undefined) => tags?.find((t) => t.Key === 'aurora-lab:run-id')?.Value;

/** Clusters and instances in a region: id, status, run id tag. */
async function rdsIn(t: Target, region: string) {
  const c = ((await t.clients.send('rds', 'DescribeDBClusters', {}, { region })).DBClusters as { DBClusterIdentifier: string; Status: string; TagList?: Tag[] }[]) ?? [];
  const i = ((await t.clients.send('rds', 'DescribeDBInstances', {}, { region })).DBInstances as { DBInstanceIdentifier: string; DBInstanceStatus: string; TagList?: Tag[] }[]) ?? [];
  return {
    clusters: c.map((x) => ({ id: x.DBClusterIdentifier, status: x.Status, run: runIdOf(x.TagList) })),
    instances: i.map((x) => ({ id: x.DBInstanceIdentifier, status: x.DBInstanceStatus, run: runIdOf(x.TagList) })),
  };
}

async function waitAvailable(t: Target, region: string, cluster: string) {
  for (let i = 0; i < 2000; i++) {
    const s = await rdsIn(t, region);
    const c = s.clusters.find((x) => x.id === cluster);
    const insts = s.instances.filter((x) => x.id.startsWith(cluster));
    if (c?.status === 'available' && insts.every((x) => x.status === 'available')) return;
  }
  throw new Error(`${cluster} in ${region} never became available`);
}

/** Rewrites aurora-lab:expires-at on every resource of the run (RDS by ARN, EC2 by group id). */
async function setExpiry(t: Target, runId: string, expiresAt: string) {
  const tag = [{ Key: 'aurora-lab:expires-at', Value: expiresAt }];
  const listed = ((await t.clients.send('tagging', 'GetResources', { TagFilters: [{ Key: 'aurora-lab:run-id', Values: [runId] }] })).ResourceTagMappingList as { ResourceARN: string }[]) ?? [];
  const groups = ((await t.clients.send('rds', 'DescribeDBSubnetGroups', {})).DBSubnetGroups as { DBSubnetGroupArn: string }[]) ?? [];
  const arns = [...listed.map((m) => m.ResourceARN), ...groups.map((g) => g.DBSubnetGroupArn)];
  let n = 0;
  for (const arn of arns) {
    if (arn.includes(':ec2:')) {
      await t.clients.send('ec2', 'CreateTags', { Resources: [arn.split('/').pop()], Tags: tag });
    } else {
      await t.clients.send('rds', 'AddTagsToResource', { ResourceName: arn, Tags: tag });
    }
    n++;
  }
  expect(n).toBeGreaterThan(1);
}

describe('teardown --all --dry-run', () => {
  it('--expired deletes only the runs past their aurora-lab:expires-at', async () => {
    const old = await keptDryRun();
    const fresh = await keptDryRun();
    await inSim(old, (t) => setExpiry(t, old, '2020-01-01T00:00:00.000Z'));

    const st = json(await cli(['status', '--all', '--dry-run', '--json']), 'status --all');
    const found = (id: string) => st.account.runs.find((r: { runId: string }) => r.runId === id);
    expect(found(old)).toMatchObject({ expired: true, localState: true });
    expect(found(fresh)).toMatchObject({ expired: false, localState: true });

    const r = await cli(['teardown', '--all', '--dry-run', '--expired', '--yes', '--json']);
    const doc = json(r, 'teardown --all --expired');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const torn = doc.scopes.flatMap((s: { runs: { runId: string }[] }) => s.runs.map((x) => x.runId));
    expect(torn).toEqual([old]);
    expect(doc.scopes.find((s: { simRunId: string }) => s.simRunId === fresh).skipped).toBe(1);

    const oldLeft = await inSim(old, (t) => rdsIn(t, 'us-east-1'));
    expect(oldLeft).toEqual({ clusters: [], instances: [] });
    const freshLeft = await inSim(fresh, (t) => rdsIn(t, 'us-east-1'));
    expect(freshLeft.clusters.map((c) => c.run)).toEqual([fresh]);
    expect(freshLeft.instances.length).toBeGreaterThan(0);

    const after = json(await cli(['status', '--all', '--dry-run', '--json']), 'status --all');
    expect(after.account.runs.map((x: { runId: string }) => x.runId)).toEqual([fresh]);

    // Without --expired the fresh one goes too.
    const all = await cli(['teardown', '--all', '--dry-run', '--yes', '--json']);
    expect(all.code, all.stderr.slice(-3000)).toBe(0);
    expect(json(all, 'teardown --all').scopes.flatMap((s: { runs: { runId: string }[] }) => s.runs.map((x) => x.runId))).toEqual([fresh]);
  }, 120_000);

  it('searches the regions of global cluster members and --regions, and leaves untagged resources alone', async () => {
    const run = await keptDryRun();
    const orphan = 'orphaneu1';
    await inSim(run, async (t) => {
      const primary = (await rdsIn(t, 'us-east-1')).clusters.find((c) => c.run === run)!;
      const arn = ((await t.clients.send('rds', 'DescribeDBClusters', { DBClusterIdentifier: primary.id })).DBClusters as { DBClusterArn: string }[])[0]!.DBClusterArn;
      const tags = (id: string) => [
        { Key: 'aurora-lab:run-id', Value: id },
        { Key: 'aurora-lab:lab', Value: 'cluster-launch' },
      ];
      // The run's cluster becomes a global database's primary; its secondary lives in us-west-2. A
      // global member's password cannot be managed by Secrets Manager: take it back first.
      await t.clients.send('rds', 'ModifyDBCluster', { DBClusterIdentifier: primary.id, ManageMasterUserPassword: false, MasterUserPassword: 'not-a-secret-2', ApplyImmediately: true });
      await waitAvailable(t, 'us-east-1', primary.id);
      await t.clients.send('rds', 'CreateGlobalCluster', { GlobalClusterIdentifier: `${run}-global`, SourceDBClusterIdentifier: arn, Tags: tags(run) });
      await t.clients.send('rds', 'CreateDBCluster', { DBClusterIdentifier: `${run}-west`, Engine: 'aurora-postgresql', GlobalClusterIdentifier: `${run}-global`, Tags: tags(run) }, { region: 'us-west-2' });
      await t.clients.send('rds', 'CreateDBInstance', { DBInstanceIdentifier: `${run}-west-1`, DBClusterIdentifier: `${run}-west`, Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', Tags: tags(run) }, { region: 'us-west-2' });
      // A run whose state is nowhere, in a region nothing names, and someone else's cluster beside it.
      for (const [id, tagged] of [[orphan, true], ['someone-else', false]] as const) {
        await t.clients.send('rds', 'CreateDBCluster', { DBClusterIdentifier: id, Engine: 'aurora-postgresql', MasterUsername: 'admin1', MasterUserPassword: 'not-a-secret-1', ...(tagged ? { Tags: tags(orphan) } : {}) }, { region: 'eu-west-1' });
        await t.clients.send('rds', 'CreateDBInstance', { DBInstanceIdentifier: `${id}-1`, DBClusterIdentifier: id, Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large', ...(tagged ? { Tags: tags(orphan) } : {}) }, { region: 'eu-west-1' });
      }
      await waitAvailable(t, 'us-west-2', `${run}-west`);
      await waitAvailable(t, 'eu-west-1', orphan);
      await waitAvailable(t, 'eu-west-1', 'someone-else');
    });

    // The global cluster's members name us-west-2; nothing names eu-west-1.
    const st = json(await cli(['status', '--all', '--dry-run', '--json']), 'status --all');
    expect(st.account.regions).toEqual(['us-east-1', 'us-west-2']);
    expect(st.account.runs.map((r: { runId: string; regions: string[] }) => [r.runId, r.regions])).toEqual([[run, ['us-east-1', 'us-west-2']]]);
    const withEu = json(await cli(['status', '--all', '--dry-run', '--json', '--regions', 'eu-west-1']), 'status --all --regions');
    expect(withEu.account.runs.map((r: { runId: string }) => r.runId).sort()).toEqual([orphan, run].sort());

    const r = await cli(['teardown', '--all', '--dry-run', '--yes', '--json']);
    const doc = json(r, 'teardown --all');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    // Each dry run is its own simulated account: this run's is the one searched in two regions.
    const scope = doc.scopes.find((s: { simRunId: string }) => s.simRunId === run);
    expect(scope.regions).toEqual(['us-east-1', 'us-west-2']);
    const outcome = scope.runs.find((x: { runId: string }) => x.runId === run);
    expect(outcome.failed).toEqual([]);
    expect(outcome.deleted.map((d: { type: string; id: string; region: string }) => `${d.type} ${d.id} ${d.region}`)).toEqual(
      expect.arrayContaining([`global-cluster ${run}-global us-east-1`, `db-cluster ${run}-west us-west-2`, `db-instance ${run}-west-1 us-west-2`]),
    );
    await inSim(run, async (t) => {
      expect(await rdsIn(t, 'us-east-1')).toEqual({ clusters: [], instances: [] });
      expect(await rdsIn(t, 'us-west-2')).toEqual({ clusters: [], instances: [] });
      expect((await t.clients.send('rds', 'DescribeGlobalClusters', {})).GlobalClusters).toEqual([]);
      expect((await rdsIn(t, 'eu-west-1')).clusters.map((c) => c.id).sort()).toEqual([orphan, 'someone-else']);
    });

    // --regions as a comma list reaches eu-west-1: the orphan goes, someone else's cluster stays.
    const eu = await cli(['teardown', '--all', '--dry-run', '--yes', '--json', '--regions', 'eu-west-1,us-east-1']);
    const euDoc = json(eu, 'teardown --all --regions');
    expect(eu.code, eu.stderr.slice(-3000)).toBe(0);
    const euScope = euDoc.scopes.find((s: { simRunId: string }) => s.simRunId === run);
    expect(euScope.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(euScope.runs.map((x: { runId: string; localState: boolean }) => [x.runId, x.localState])).toEqual([[orphan, false]]);
    await inSim(run, async (t) => {
      const left = await rdsIn(t, 'eu-west-1');
      expect(left.clusters.map((c) => [c.id, c.status])).toEqual([['someone-else', 'available']]);
      expect(left.instances.map((c) => [c.id, c.status])).toEqual([['someone-else-1', 'available']]);
    });

    const bad = await cli(['teardown', '--all', '--dry-run', '--yes', '--regions', 'nowhere']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not an AWS region name/);
  }, 120_000);
});
