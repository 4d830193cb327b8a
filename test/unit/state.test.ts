/** Run state: atomic versioned JSON validated on read, and the lock that keeps one process per run. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StateError } from '../../src/errors.js';
import { writeFileAtomic } from '../../src/state/atomic.js';
import { acquireLock } from '../../src/state/lock.js';
import { runDir } from '../../src/state/paths.js';
import { readState, STATE_FILE, STATE_VERSION, writeState, type RunState } from '../../src/state/run-state.js';

let home: string;
const previousHome = process.env.AURORA_LAB_HOME;
beforeAll(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'aurora-lab-state-'));
  process.env.AURORA_LAB_HOME = home;
});
afterAll(() => {
  if (previousHome === undefined) delete process.env.AURORA_LAB_HOME;
  else process.env.AURORA_LAB_HOME = previousHome;
  rmSync(home, { recursive: true, force: true });
});

export function sampleState(runId: string): RunState {
  const now = new Date().toISOString();
  return {
    version: STATE_VERSION,
    runId,
    lab: 'cluster-launch',
    labFile: 'labs/cluster-launch.yaml',
    engine: 'aurora-postgresql',
    target: 'dry-run',
    region: 'us-east-1',
    params: { database: 'lab' },
    status: 'running',
    keep: false,
    createdAt: now,
    updatedAt: now,
    expiresAt: now,
    steps: { 'create-cluster': { status: 'done', startedAt: now, calls: [{ service: 'rds', operation: 'CreateDBCluster', input: { DBClusterIdentifier: 'al-x' } }] } },
    vars: { port: 5432, subnetIds: ['a', 'b'] },
    measurements: {},
    checks: [{ name: 'c', passed: true }],
    resources: [{ type: 'db-cluster', id: 'al-x', region: 'us-east-1', status: 'created', stepId: 'create-cluster', createdAt: now }],
  };
}

async function stateErr(runId: string): Promise<StateError> {
  const err = await readState(runId).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StateError);
  return err as StateError;
}

describe('run state', () => {
  it('writeState then readState gives back the same state', async () => {
    const state = sampleState('roundtrip');
    await writeState(state);
    const back = await readState('roundtrip');
    expect(back).toEqual(state);
    expect(existsSync(path.join(runDir('roundtrip'), STATE_FILE))).toBe(true);
  });

  it('corrupt JSON is refused as STATE_CORRUPT', async () => {
    mkdirSync(runDir('corrupt'), { recursive: true });
    writeFileSync(path.join(runDir('corrupt'), STATE_FILE), '{"version": 1, "runId": ');
    const err = await stateErr('corrupt');
    expect(err.code).toBe('STATE_CORRUPT');
    expect(err.exitCode).toBe(4);
  });

  it('a state of another version is refused as STATE_CORRUPT with a hint', async () => {
    const state = { ...sampleState('oldversion'), version: 99 } as unknown as RunState;
    await writeState(state);
    const err = await stateErr('oldversion');
    expect(err.code).toBe('STATE_CORRUPT');
    expect(err.message).toContain('version');
    expect(err.hint).toMatch(/another version/);
  });

  it('an unknown run is RUN_NOT_FOUND', async () => {
    expect((await stateErr('nosuchrun')).code).toBe('RUN_NOT_FOUND');
  });

  it('an atomic write replaces the file whole and leaves no temp file behind', async () => {
    const dir = path.join(home, 'atomic');
    const file = path.join(dir, 'data.json');
    await writeFileAtomic(file, 'first');
    await Promise.all(Array.from({ length: 20 }, (_, i) => writeFileAtomic(file, `write ${i}`)));
    expect(readFileSync(file, 'utf8')).toMatch(/^write \d+$/);
    expect(readdirSync(dir)).toEqual(['data.json']);
  });
});

describe('run lock', () => {
  it('a second acquire is refused with RUN_LOCKED while the lock is held, and works after release', async () => {
    const dir = path.join(home, 'locked');
    mkdirSync(dir, { recursive: true });
    const lock = await acquireLock(dir, 'locked');
    const err = await acquireLock(dir, 'locked').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateError);
    expect((err as StateError).code).toBe('RUN_LOCKED');
    expect((err as StateError).message).toContain('run locked is in use by process');
    await lock.release();
    const again = await acquireLock(dir, 'locked');
    await again.release();
  });

  it('a lock file naming this pid that this process does not hold is stale (pid reuse) and is taken over', async () => {
    const dir = path.join(home, 'reused');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: '2020-01-01T00:00:00Z' }));
    const lock = await acquireLock(dir, 'reused');
    await lock.release();
    expect(existsSync(path.join(dir, 'lock'))).toBe(false);
  });

  it('a lock held by a live process is refused with RUN_LOCKED and names the pid', async () => {
    const dir = path.join(home, 'live');
    mkdirSync(dir, { recursive: true });
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: child.pid, host: os.hostname(), startedAt: new Date().toISOString() }));
      const err = await acquireLock(dir, 'live').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StateError);
      expect((err as StateError).code).toBe('RUN_LOCKED');
      expect((err as StateError).exitCode).toBe(4);
      expect((err as StateError).message).toContain(String(child.pid));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a lock whose process is dead is taken over', async () => {
    const dir = path.join(home, 'stale');
    mkdirSync(dir, { recursive: true });
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    const pid = child.pid!;
    await new Promise((resolve) => child.on('exit', resolve));
    writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid, host: os.hostname(), startedAt: new Date().toISOString() }));
    const lock = await acquireLock(dir, 'stale');
    expect(JSON.parse(readFileSync(path.join(dir, 'lock'), 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('release is idempotent and removes the lock file', async () => {
    const dir = path.join(home, 'release');
    mkdirSync(dir, { recursive: true });
    const lock = await acquireLock(dir, 'release');
    await lock.release();
    await lock.release();
    expect(existsSync(path.join(dir, 'lock'))).toBe(false);
    // A second release must not remove someone else's lock taken in between.
    const other = await acquireLock(dir, 'release');
    await lock.release();
    expect(existsSync(path.join(dir, 'lock'))).toBe(true);
    await other.release();
  });
});
