/** `status` tells a run whose process is gone from one still being driven. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, makeCliEnv, runCli } from '../helpers/cli.js';

afterAll(() => killAll());

describe('status of a run its process left "running"', () => {
  it('reads as interrupted once the process holding its lock is gone, and as running while it lives', async () => {
    const env = makeCliEnv();
    const kept = await runCli(env, ['run', 'cluster-launch', '--dry-run', '--keep', '--json']);
    expect(kept.code).toBe(0);
    const runId = JSON.parse(kept.stdout).runId as string;
    const dir = path.join(env.home, 'runs', runId);
    // As a killed process leaves it: the state says running and the lock names its pid.
    const state = JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8'));
    writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ ...state, status: 'running' }));
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const lock = (pid: number) => writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid, host: os.hostname(), startedAt: new Date().toISOString() }));
    const statusOf = async () => (JSON.parse((await runCli(env, ['status', '--json'])).stdout).runs as { runId: string; status: string }[]).find((r) => r.runId === runId)?.status;

    lock(gone);
    expect(await statusOf()).toBe('interrupted');
    lock(process.pid);
    expect(await statusOf()).toBe('running');

    lock(gone);
    const down = await runCli(env, ['teardown', runId, '--yes']);
    expect(down.code).toBe(0);
    env.cleanup();
  });
});
