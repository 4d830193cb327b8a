/**
 * `teardown --all --local` deletes exactly what aurora-lab tagged: three kept runs (one whose run
 * directory is gone), and a cluster made straight through the SDK without aurora-lab's tags that must
 * survive. The built CLI against a background local server on a free port, real PostgreSQL processes;
 * `local stop` runs whatever happens.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBasePort } from '../../src/local/core/ports.js';
import { localCredentials } from '../../src/local/daemon/local-credentials.js';
import { killAll, makeCliEnv, runCli, type CliEnv } from '../helpers/cli.js';
import { freePort } from '../helpers/local-cli.js';

let env: CliEnv;
let port: number;
let dataDir: string;
let extra: Record<string, string>;
let rds: RDSClient | undefined;
let rdsEu: RDSClient | undefined;
let rdsAp: RDSClient | undefined;

const UNTAGGED = 'not-aurora-lab-cluster';
const UNTAGGED_INSTANCE = 'not-aurora-lab-instance';

const cli = (args: string[], timeoutMs = 180_000) => runCli(env, args, { env: extra, timeoutMs });

function json(r: { stdout: string; stderr: string; code: number | null }, what: string): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`${what} printed no JSON (exit ${r.code})\n${r.stderr.slice(-3000)}`);
  }
}

async function sleep(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls until the cluster (and instance) answer 'available'; bounded by the test's own timeout. */
async function untaggedStatus(): Promise<{ cluster?: string; instance?: string }> {
  const c = await rds!.send(new DescribeDBClustersCommand({})).then((o) => o.DBClusters?.find((x) => x.DBClusterIdentifier === UNTAGGED));
  const i = await rds!.send(new DescribeDBInstancesCommand({})).then((o) => o.DBInstances?.find((x) => x.DBInstanceIdentifier === UNTAGGED_INSTANCE));
  return { cluster: c?.Status, instance: i?.DBInstanceStatus };
}

beforeAll(async () => {
  env = makeCliEnv();
  port = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), 'alab-tda-data-'));
  chmodSync(dataDir, 0o755);
  // The CLI's home is made here so the SDK clients below sign with the key pair its server will check.
  const credentials = localCredentials(env.home);
  extra = { AURORA_LAB_LOCAL_PORT: String(port), AURORA_LAB_LOCAL_DATA: dataDir, AURORA_LAB_LOCAL_PORT_BASE: String(randomBasePort()), AURORA_LAB_LOCAL_DELAY_MS: '20' };
  rds = new RDSClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials, maxAttempts: 2 });
  rdsEu = new RDSClient({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, credentials, maxAttempts: 2 });
  rdsAp = new RDSClient({ region: 'ap-southeast-2', endpoint: `http://127.0.0.1:${port}`, credentials, maxAttempts: 2 });
});

afterAll(async () => {
  // The untagged cluster is the test's own: removed here whatever happened above, then the server stops.
  if (rds) {
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: UNTAGGED_INSTANCE, SkipFinalSnapshot: true })).catch(() => undefined);
    for (let i = 0; i < 100; i++) {
      const s = await untaggedStatus().catch(() => ({ instance: undefined }));
      if (!s.instance) break;
      await sleep(100);
    }
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: UNTAGGED, SkipFinalSnapshot: true })).catch(() => undefined);
    rds.destroy();
  }
  rdsEu?.destroy();
  rdsAp?.destroy();
  if (env) await cli(['local', 'stop'], 60_000).catch(() => undefined);
  killAll();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 120_000);

describe('teardown --all on the local target', () => {
  it('deletes the tagged resources of three runs (one without a run directory) and nothing else', async () => {
    const runIds: string[] = [];
    // The second run is in another region that only its run state names; the third, whose directory
    // goes, in a third region only the local server remembers being asked about.
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
      const lab = 'cluster-launch';
      const r = await cli(['run', lab, '--local', '--keep', '--yes', '--json', '--region', region]);
      const doc = json(r, `run ${lab}`);
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      expect(doc.resources.some((x: { status: string }) => x.status !== 'deleted')).toBe(true);
      runIds.push(doc.runId);
    }
    const tagged = async () => {
      const clusters = [];
      const instances = [];
      for (const c of [rds!, rdsEu!, rdsAp!]) {
        clusters.push(...((await c.send(new DescribeDBClustersCommand({}))).DBClusters ?? []));
        instances.push(...((await c.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []));
      }
      const runOf = (tags?: { Key?: string; Value?: string }[]) => tags?.find((t) => t.Key === 'aurora-lab:run-id')?.Value;
      return {
        clusters: clusters.filter((c) => runOf(c.TagList)).map((c) => ({ id: c.DBClusterIdentifier, run: runOf(c.TagList) })),
        instances: instances.filter((i) => runOf(i.TagList)).map((i) => ({ id: i.DBInstanceIdentifier, run: runOf(i.TagList) })),
      };
    };
    const before = await tagged();
    expect(((await rdsEu!.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map((c) => c.TagList?.find((t) => t.Key === 'aurora-lab:run-id')?.Value)).toEqual([runIds[1]]);
    for (const id of runIds) {
      expect(before.clusters.filter((c) => c.run === id).length, `clusters of ${id}`).toBeGreaterThan(0);
      expect(before.instances.filter((i) => i.run === id).length, `instances of ${id}`).toBeGreaterThan(0);
    }

    // The third run's directory is lost: only its tags say whose the resources are.
    rmSync(join(env.home, 'runs', runIds[2]!), { recursive: true, force: true });

    // A cluster aurora-lab did not make: no aurora-lab tags (one unrelated tag).
    await rds!.send(new CreateDBClusterCommand({ DBClusterIdentifier: UNTAGGED, Engine: 'aurora-postgresql', MasterUsername: 'someoneelse', MasterUserPassword: 'not-aurora-lab-1', Tags: [{ Key: 'owner', Value: 'someone-else' }] }));
    await rds!.send(new CreateDBInstanceCommand({ DBInstanceIdentifier: UNTAGGED_INSTANCE, DBClusterIdentifier: UNTAGGED, Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium' }));
    let s = await untaggedStatus();
    for (let i = 0; i < 600 && !(s.cluster === 'available' && s.instance === 'available'); i++) {
      await sleep(100);
      s = await untaggedStatus();
    }
    expect(s).toEqual({ cluster: 'available', instance: 'available' });

    const pre = json(await cli(['status', '--all', '--local', '--json']), 'status --all');
    expect(pre.account.runs.map((r: { runId: string }) => r.runId).sort()).toEqual([...runIds].sort());
    expect(pre.account.runs.find((r: { runId: string }) => r.runId === runIds[2]).localState).toBe(false);
    expect(pre.account.runs.find((r: { runId: string }) => r.runId === runIds[1]).regions).toEqual(['eu-west-1']);

    const t = await cli(['teardown', '--all', '--local', '--yes', '--json'], 240_000);
    const doc = json(t, 'teardown --all');
    expect(t.code, t.stderr.slice(-3000)).toBe(0);
    expect(doc.ok).toBe(true);
    expect(doc.scopes[0].regions).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1']);
    const outcomes = doc.scopes.flatMap((x: { runs: unknown[] }) => x.runs);
    expect(outcomes.map((r: { runId: string }) => r.runId).sort()).toEqual([...runIds].sort());
    expect(outcomes.find((r: { runId: string }) => r.runId === runIds[2]).localState).toBe(false);

    const after = await tagged();
    expect(after).toEqual({ clusters: [], instances: [] });
    // Every cluster and instance of the three runs is gone, not only untagged.
    const allClusters = ((await rds!.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).map((c) => c.DBClusterIdentifier);
    const allInstances = ((await rds!.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).map((i) => i.DBInstanceIdentifier);
    expect(allClusters).toEqual([UNTAGGED]);
    expect((await rdsEu!.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).toEqual([]);
    expect((await rdsAp!.send(new DescribeDBClustersCommand({}))).DBClusters ?? []).toEqual([]);
    expect(allInstances).toEqual([UNTAGGED_INSTANCE]);
    expect(await untaggedStatus()).toEqual({ cluster: 'available', instance: 'available' });

    // The two runs with state: everything deleted, the teardown recorded as done.
    for (const id of runIds.slice(0, 2)) {
      const state = JSON.parse(readFileSync(join(env.home, 'runs', id, 'state.json'), 'utf8'));
      expect(state.teardown?.status, id).toBe('done');
      expect(state.resources.filter((r: { status: string }) => r.status !== 'deleted'), id).toEqual([]);
    }

    const post = json(await cli(['status', '--all', '--local', '--json']), 'status --all');
    expect(post.account.runs).toEqual([]);
    expect(post.runs.flatMap((r: { liveResources: unknown[] }) => r.liveResources)).toEqual([]);

    // Repeating it is safe and finds nothing.
    const again = await cli(['teardown', '--all', '--local', '--yes', '--json']);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(json(again, 'teardown --all again').scopes.flatMap((x: { runs: unknown[] }) => x.runs)).toEqual([]);
  }, 900_000);
});
