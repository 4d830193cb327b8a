/**
 * Real crashes: the CLI process is SIGKILLed once state.json shows a given step started, then the run
 * is resumed or torn down through the CLI, and the simulated account must end empty. And quota errors:
 * a run that hits one stops, names the quota and the fix, and tears down what it made.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimError } from '../../src/sim/types.js';
import { fastTmp, leftovers, runIdOf, runInProcess, simState } from './fault-helpers.js';
import { mergeFigures } from './figures.js';

const BIN = path.resolve(__dirname, '../../bin/aurora-lab.js');
let home: string;
const env = () => ({ ...process.env, AURORA_LAB_HOME: home, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1', CI: '1' });

beforeAll(async () => {
  home = await mkdtemp(path.join(await fastTmp(), 'aurora-lab-kill-'));
  process.env.AURORA_LAB_HOME = home;
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function stepStatus(runId: string, step: string): Promise<string | undefined> {
  try {
    const s = JSON.parse(await readFile(path.join(home, 'runs', runId, 'state.json'), 'utf8'));
    return s.steps?.[step]?.status;
  } catch {
    return undefined;
  }
}

/** Start a dry run and SIGKILL it as soon as its state shows `step` started. */
async function runAndKill(runId: string, step: string): Promise<{ killedAt?: string; code: number | null; signal: string | null }> {
  const child = spawn(process.execPath, [BIN, 'run', 'cluster-launch', '--dry-run', '--run-id', runId], { env: env(), stdio: 'ignore' });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  exited.then(() => (done = true));
  let killedAt: string | undefined;
  while (!done) {
    const st = await stepStatus(runId, step);
    if (st) {
      child.kill('SIGKILL');
      killedAt = st;
      break;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return { killedAt, ...(await exited) };
}

const cli = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { env: env(), encoding: 'utf8', timeout: 60_000 });

describe('SIGKILL of the CLI at a step boundary', () => {
  const cases: [string, 'resume' | 'teardown'][] = [
    ['create-cluster', 'resume'],
    ['create-instances', 'teardown'],
    ['wait-instances', 'resume'],
    ['security-group', 'teardown'],
  ];
  let killed = 0;
  let completed = 0;
  let leaked = 0;
  afterAll(async () => {
    await mergeFigures({ byKind: { sigkill: killed }, sigkill: { killed, completed, leaked } });
  });

  for (const [step, then] of cases) {
    it(`a run killed -9 once ${step} started, then ${then === 'resume' ? 'resumed with the same run id, succeeds and' : 'torn down,'} leaves the account empty`, { timeout: 60_000 }, async () => {
      const runId = `k${step.replace(/[^a-z]/g, '').slice(0, 10)}${then[0]}`;
      const k = await runAndKill(runId, step);
      expect(k.signal, `the run ended before ${step} (exit ${k.code})`).toBe('SIGKILL');
      killed++;
      const r = then === 'resume' ? cli(['run', 'cluster-launch', '--dry-run', '--run-id', runId]) : cli(['teardown', runId]);
      expect(r.status, r.stderr).toBe(0);
      completed++;
      const left = leftovers(await simState(runId), runId);
      leaked += left.length;
      expect(left).toEqual([]);
    });
  }
});

describe('quota errors', () => {
  for (const [operation, code, quota] of [
    ['CreateDBCluster', 'DBClusterQuotaExceededFault', 'DBCluster'],
    ['CreateDBInstance', 'InstanceQuotaExceeded', 'Instance'],
  ] as const) {
    it(`a run that hits ${code} stops with a message naming the quota and the fix, and tears down what it made`, async () => {
      const run = await runInProcess({
        lab: 'cluster-launch',
        hooks: { inject: (call) => (call.operation === operation ? new SimError(code, 'The request cannot be processed because it would exceed the maximum.', 400) : undefined) },
      });
      expect(run.error).toBeUndefined();
      const doc = run.result!.document;
      expect(doc.status).toBe('failed');
      expect(doc.error?.code).toBe('QUOTA_EXCEEDED');
      expect(doc.error?.message).toContain(code);
      expect(doc.error?.hint).toContain(`${quota} quota`);
      expect(doc.error?.hint).toMatch(/Service Quotas/);
      expect(doc.resources.every((r) => r.status === 'deleted')).toBe(true);
      // No more creates after the quota error: the run stopped there.
      const creates = run.ctl.calls.filter((c) => c.operation.startsWith('Create'));
      expect(creates.at(-1)!.operation).toBe(operation);
      const runId = runIdOf(run);
      expect(leftovers(await simState(runId), runId)).toEqual([]);
    });
  }

  it('through the CLI, the model\'s own cluster quota stops the run: exit 3, the quota and the fix printed, its resources deleted, untagged clusters untouched', async () => {
    const runId = 'quotacli';
    // An account already at its 40-cluster quota, none of them aurora-lab's.
    const { SimCloud } = await import('../../src/sim/model/cloud.js');
    const { DRY_RUN_ACCOUNT } = await import('../../src/engine/targets/dry-run.js');
    const sim = new SimCloud({ accountId: DRY_RUN_ACCOUNT });
    for (let i = 0; i < 40; i++) {
      await sim.call({ service: 'rds', operation: 'CreateDBCluster', region: 'us-east-1', input: { DBClusterIdentifier: `someone-${i}`, Engine: 'aurora-postgresql', MasterUsername: 'u', MasterUserPassword: 'not-a-secret-1' } });
    }
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(path.join(home, 'runs', runId), { recursive: true });
    await writeFile(path.join(home, 'runs', runId, 'sim.json'), JSON.stringify(sim.toJSON()));
    const r = cli(['run', 'cluster-launch', '--dry-run', '--run-id', runId]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/DBClusterQuotaExceededFault/);
    expect(r.stderr).toMatch(/hint: the DBCluster quota of this account in us-east-1 is used up/);
    const after = await simState(runId);
    expect(leftovers(after, runId).filter((x) => !x.includes('someone-'))).toEqual([]);
    expect(Object.keys(after.clusters).length).toBe(40);
  });
});
