/**
 * A monitoring run that crashed with its resources in the account and its local state lost is cleaned
 * up by `teardown --all --dry-run` alone: the IAM role (found through ListRoles, which the tagging API
 * cannot do), the alarm and the run's log group go with the cluster, nothing is left (RDSOSMetrics is
 * the account's), and a log group RDS made untagged for one of the run's clusters is left alone and
 * reported. Each crashed dry run keeps its simulated account in its run directory.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import { killAll, makeCliEnv, runCli, type CliEnv } from '../helpers/cli.js';
import { Crash, LABS_DIR, leftovers, runIdOf, runInProcess, simState } from './fault-helpers.js';
import { mergeFigures } from './figures.js';

let env: CliEnv;
const cli = (args: string[]) => runCli(env, args, { timeoutMs: 120_000 });

beforeAll(() => {
  env = makeCliEnv();
  // The in-process runs and the spawned CLI share one AURORA_LAB_HOME.
  process.env.AURORA_LAB_HOME = env.home;
});
afterAll(() => killAll());

function json(r: { stdout: string; stderr: string; code: number | null }, what: string): any {
  try {
    return JSON.parse(r.stdout);
  } catch {
    throw new Error(`${what} printed no JSON (exit ${r.code})\n${r.stderr.slice(-3000)}`);
  }
}

/** A monitoring dry run that crashes as `step` starts; its state.json is deleted unless `keepState`. */
async function crashedRun(engine: string, step: string, keepState = false): Promise<string> {
  const run = await runInProcess({
    lab: join(LABS_DIR, 'monitoring.yaml'),
    engine,
    hooks: {
      onEvent: (e, ctl) => {
        if (!ctl.crashed && e.code === 'step.start' && (e.data as { id: string }).id === step) {
          ctl.crash();
          throw new Crash();
        }
      },
    },
  });
  expect(run.error, String(run.error ?? run.result?.document.status)).toBeInstanceOf(Crash);
  const runId = runIdOf(run);
  if (!keepState) await rm(join(env.home, 'runs', runId, 'state.json'), { force: true });
  return runId;
}

const typesOf = (left: string[]) => [...new Set(left.map((l) => l.split(' ')[0]))].sort();

describe('teardown --all after a crashed monitoring run', () => {
  it('deletes everything a crashed monitoring run left, on both engines, with or without its state: 0 leaked', async () => {
    const cases: [string, string, boolean][] = [
      ['aurora-postgresql', 'alarm-history', false],
      ['aurora-mysql', 'alarm-history', false],
      ['aurora-postgresql', 'enable-monitoring', true],
      ['aurora-mysql', 'alarm', false],
    ];
    const runs: { runId: string; keepState: boolean }[] = [];
    for (const [engine, step, keepState] of cases) runs.push({ runId: await crashedRun(engine, step, keepState), keepState });

    // Not vacuous: the runs that got past the alarm left every monitoring type behind.
    for (const { runId } of runs.slice(0, 2)) {
      expect(typesOf(leftovers(await simState(runId), runId))).toEqual(['cloudwatch-alarm', 'db-cluster', 'db-instance', 'db-subnet-group', 'iam-role', 'log-group', 'parameter-group', 'secret', 'security-group']);
    }
    const st = json(await cli(['status', '--all', '--dry-run', '--json']), 'status --all');
    const first = st.account.runs.find((r: { runId: string }) => r.runId === runs[0]!.runId);
    expect(first.resources.map((r: { type: string }) => r.type)).toEqual(expect.arrayContaining(['iam-role', 'cloudwatch-alarm', 'log-group']));

    const r = await cli(['teardown', '--all', '--dry-run', '--yes', '--json']);
    const doc = json(r, 'teardown --all');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    let leaked = 0;
    for (const { runId, keepState } of runs) {
      const scope = doc.scopes.find((s: { simRunId: string }) => s.simRunId === runId);
      expect(scope.runs.map((x: { runId: string; localState: boolean; failed: unknown[] }) => [x.runId, x.localState, x.failed])).toEqual([[runId, keepState, []]]);
      // The run made its export's log group itself: RDS made none untagged, before or during teardown.
      expect(scope.leftAlone).toEqual([]);
      const left = leftovers(await simState(runId), runId);
      leaked += left.length;
      expect(left, runId).toEqual([]);
    }
    await mergeFigures({ teardownAllMonitoring: { crashedRuns: runs.length, leaked } });
    expect(leaked).toBe(0);

    // Again: nothing is found (the tagging API's lag lists the deleted ones; a Describe rules them out).
    const again = json(await cli(['status', '--all', '--dry-run', '--json']), 'status --all');
    expect(again.account.runs).toEqual([]);
  }, 240_000);

  it('leaves a log group RDS made untagged for the run\'s cluster, and names it', async () => {
    const runId = await crashedRun('aurora-postgresql', 'alarm-history');
    const cluster = Object.values((await simState(runId)).clusters)[0]!.id;
    const rdsMade = `/aws/rds/cluster/${cluster}/upgrade`;
    const t = await dryRunTarget({ region: 'us-east-1', runDir: join(env.home, 'runs', runId) });
    try {
      await t.clients.send('logs', 'CreateLogGroup', { logGroupName: rdsMade });
      await t.save();
    } finally {
      await t.close();
    }
    const r = await cli(['teardown', '--all', '--dry-run', '--yes', '--json']);
    const doc = json(r, 'teardown --all');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    const scope = doc.scopes.find((s: { simRunId: string }) => s.simRunId === runId);
    expect(scope.leftAlone).toEqual([{ type: 'log-group', id: rdsMade, region: 'us-east-1', runId, reason: expect.stringMatching(/made by RDS/) }]);
    expect(r.stderr).toContain(`Left alone: log-group ${rdsMade}`);
    expect(leftovers(await simState(runId), runId)).toEqual([`log-group ${rdsMade}`]);
  }, 120_000);
});
