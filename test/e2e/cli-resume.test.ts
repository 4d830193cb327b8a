/**
 * Crash safety end to end: a dry run killed with SIGKILL halfway resumes with the same run id and
 * finishes without creating anything twice; a run whose lock a live process holds is refused; a local
 * failover interrupted with Ctrl-C while its probe runs measures the drill again when resumed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, makeCliEnv, runCli } from '../helpers/cli.js';
import { localCli, type LocalCli } from '../helpers/local-cli.js';

afterAll(() => killAll());

const RUN_ID = 'resume1';

interface State {
  status: string;
  steps: Record<string, { status: string }>;
  resources: { type: string; id: string; status: string }[];
}

describe('resume after a crash', () => {
  const env = makeCliEnv();
  const dir = path.join(env.home, 'runs', RUN_ID);
  const readState = () => JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as State;
  let holder: ChildProcess | undefined;
  afterAll(() => {
    holder?.kill('SIGKILL');
  });

  it('a dry run killed with SIGKILL halfway, run again with the same run id, finishes without duplicate creates and leaves the account clean', async () => {
    // 1. Start, and kill -9 as soon as the cluster's creation is reported (the state has it recorded by then).
    let killed = false;
    const first = await runCli(env, ['run', 'cluster-launch', '--dry-run', '--run-id', RUN_ID], {
      onStderr: (all, child) => {
        if (!killed && /created db-cluster al-resume1\b/.test(all)) {
          killed = true;
          child.kill('SIGKILL');
        }
      },
    });
    expect(first.signal).toBe('SIGKILL');
    const crashed = readState();
    expect(crashed.status).toBe('running');
    expect(crashed.resources.find((r) => r.type === 'db-cluster')).toMatchObject({ id: 'al-resume1', status: 'created' });
    expect(crashed.steps['describe-cluster']).toBeUndefined();

    // The dead process left its lock file behind.
    expect(JSON.parse(readFileSync(path.join(dir, "lock"), "utf8")).pid).toBeGreaterThan(0);

    // 2. A live process holding the run's lock: a second driver is refused with exit 4.
    holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
    writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: holder.pid, host: os.hostname(), startedAt: new Date().toISOString() }));
    const refused = await runCli(env, ['run', 'cluster-launch', '--dry-run', '--run-id', RUN_ID]);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(`run ${RUN_ID} is in use by process ${holder.pid}`);
    expect(refused.stderr).toMatch(/hint: .*two processes must not drive one run/);
    expect(readState().resources).toEqual(crashed.resources);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder!.once('exit', resolve));

    // 3. Resume: the holder is gone, so its lock is stale and is taken over.
    const second = await runCli(env, ['run', 'cluster-launch', '--dry-run', '--run-id', RUN_ID, '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/resuming run resume1/);
    const doc = JSON.parse(second.stdout) as { status: string; steps: { id: string; status: string; calls: { operation: string; input: Record<string, unknown> }[] }[] };
    expect(doc.status).toBe('succeeded');
    // The cluster created before the crash is not created again.
    const clusterStep = doc.steps.find((s) => s.id === 'create-cluster')!;
    expect(clusterStep.calls.filter((c) => c.operation === 'CreateDBCluster')).toHaveLength(1);

    const final = readState();
    const keys = final.resources.map((r) => `${r.type} ${r.id}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.filter((k) => k.startsWith('db-cluster '))).toEqual(['db-cluster al-resume1']);
    expect(keys.filter((k) => k.startsWith('db-instance ')).sort()).toEqual(['db-instance al-resume1-0', 'db-instance al-resume1-1', 'db-instance al-resume1-2']);
    expect(final.resources.every((r) => r.status === 'deleted')).toBe(true);

    // The simulated account: nothing of the run is left, and each resource was created (and so deleted) once.
    const sim = JSON.parse(readFileSync(path.join(dir, 'sim.json'), 'utf8')) as Record<string, unknown> & { tombstones: { arn: string }[] };
    const { tombstones, failures: _f, version: _v, accountId: _a, ...live } = sim;
    expect(JSON.stringify(live)).not.toContain(RUN_ID);
    const gone = tombstones.map((t) => t.arn).filter((a) => a.includes(RUN_ID));
    expect(gone.length).toBeGreaterThanOrEqual(4);
    expect(new Set(gone).size).toBe(gone.length);
    expect(gone.filter((a) => a.endsWith(':cluster:al-resume1'))).toHaveLength(1);
    for (const i of [0, 1, 2]) expect(gone.filter((a) => a.endsWith(`:db:al-resume1-${i}`))).toHaveLength(1);
  });
});

describe('resume after Ctrl-C during the failover probe', () => {
  let local: LocalCli | undefined;
  afterAll(async () => {
    if (local) await local.close();
  }, 90_000);

  it('a local failover interrupted after FailoverDBCluster, while its probe runs, repeats the probe window on resume and measures the drill again', async () => {
    local = await localCli();
    const runId = 'sigint1';
    const dir = path.join(local.env.home, 'runs', runId);
    let interrupted = false;
    // 1. Ctrl-C once the failover has been asked for (the probe is running, its stop is ahead).
    const first = await runCli(local.env, ['run', 'failover', '--local', '--yes', '--run-id', runId, '--param', 'probeSeconds=2'], {
      env: local.extraEnv,
      timeoutMs: 180_000,
      onStderr: (all, child) => {
        if (!interrupted && /Poll DescribeDBClusters until the writer is a different instance/.test(all)) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(interrupted).toBe(true);
    expect(first.code, first.stderr.slice(-3000)).toBe(130);
    const saved = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8')) as State & { measurements: Record<string, unknown> };
    expect(saved.status).toBe('interrupted');
    expect(saved.steps.failover?.status).toBe('done');
    expect(saved.steps['probe-stop']).toBeUndefined();
    expect(saved.measurements.acknowledgedWrites).toBeUndefined();

    // 2. Resume: the probe's window (from the settled-cluster check to the probe's stop) runs again.
    const second = await local.runLab('failover', ['--run-id', runId]);
    expect(second.r.code, second.r.stderr.slice(-3000)).toBe(0);
    expect(second.r.stderr).toMatch(/again \(probe failover was lost with the interrupted process/);
    const doc = second.doc as {
      status: string;
      checks: { name: string; passed: boolean }[];
      measurements: Record<string, unknown>;
      steps: { id: string; calls: { operation: string }[] }[];
    };
    expect(doc.status).toBe('succeeded');
    expect(doc.checks.filter((c) => !c.passed)).toEqual([]);
    const m = doc.measurements;
    expect(m.acknowledgedWrites as number).toBeGreaterThan(0);
    expect(m.lostWrites).toBe(0);
    expect(m.writeOutageOpen).toBe(false);
    expect(m.writeOutageMs as number).toBeGreaterThan(0);
    // The drill was repeated from where the first failover left the cluster: writer moved back.
    expect(m.writerBefore).not.toBe(m.writerAfter);
    expect(m.writersSeen).toEqual([m.writerBefore, m.writerAfter]);
    const failovers = doc.steps.find((st) => st.id === 'failover')!.calls.filter((c) => c.operation === 'FailoverDBCluster');
    expect(failovers).toHaveLength(2);
  }, 400_000);
});
