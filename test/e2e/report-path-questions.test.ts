/**
 * The report, path and questions commands through bin/aurora-lab.js after a dry run: paths and JSON
 * documents as promised, --open without an opener says so, a report of a run still under way says so,
 * and the path counts the dry run as rehearsed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCliEnv, runCli, type CliEnv } from '../helpers/cli.js';

let env: CliEnv;
let runId: string;
// A PATH with no opener on it (node is spawned by absolute path).
const bare = mkdtempSync(path.join(os.tmpdir(), 'alab-nopath-'));

beforeAll(async () => {
  env = makeCliEnv();
  const r = await runCli(env, ['run', 'failover', '--dry-run', '--yes', '--json'], { timeoutMs: 120_000 });
  expect(r.code, r.stderr.slice(-1500)).toBe(0);
  runId = JSON.parse(r.stdout).runId;
  expect(r.stderr).toContain(`report: ${path.join(env.home, 'runs', runId, 'report.html')}`);
}, 180_000);

afterAll(() => env?.cleanup());

describe('report, path and questions on the command line', () => {
  it('report --json prints the path of the report it wrote into the newest run directory', async () => {
    const r = await runCli(env, ['report', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toEqual({ path: path.join(env.home, 'runs', runId, 'report.html') });
    expect(existsSync(doc.path)).toBe(true);
  });

  it('report --open with no opener on PATH prints the path and says it could not open it', async () => {
    const r = await runCli(env, ['report', runId, '--open'], { env: { PATH: bare } });
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(path.join(env.home, 'runs', runId, 'report.html'));
    expect(r.stderr).toContain('no opener found');
  });

  it('report of a run its process is still driving says the page is of the run so far', async () => {
    const dir = path.join(env.home, 'runs', runId);
    const stateFile = path.join(dir, 'state.json');
    const saved = readFileSync(stateFile, 'utf8');
    // The run as its process sees it mid-way: status running, the lock held by a live process (this one).
    writeFileSync(stateFile, JSON.stringify({ ...JSON.parse(saved), status: 'running' }));
    writeFileSync(path.join(dir, 'lock'), JSON.stringify({ pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() }));
    try {
      const r = await runCli(env, ['report', runId, '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ path: path.join(dir, 'report.html'), inProgress: true });
      expect(r.stderr).toContain(`run ${runId} is still running: this report shows it so far`);
    } finally {
      rmSync(path.join(dir, 'lock'));
      writeFileSync(stateFile, saved);
    }
    // Once it is not driven (the process is gone or the run ended), the note goes.
    const r = await runCli(env, ['report', runId, '--json']);
    expect(JSON.parse(r.stdout)).toEqual({ path: path.join(dir, 'report.html') });
    expect(r.stderr).not.toContain('still running');
  });

  it('report of an unknown run fails with the state exit code', async () => {
    const r = await runCli(env, ['report', 'nosuchrun']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('no run "nosuchrun"');
  });

  it('path --json counts the dry run as rehearsed, not passed, and names the next step', async () => {
    const r = await runCli(env, ['path', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.levels.map((l: any) => l.level)).toEqual(['beginner', 'intermediate', 'advanced', 'expert']);
    const failover = doc.levels[0].labs.find((l: any) => l.name === 'failover');
    expect(failover.engines.find((e: any) => e.engine === 'aurora-postgresql')).toMatchObject({ standing: 'rehearsed', runId, target: 'dry-run' });
    expect(doc.next.command).toBe('aurora-lab run cluster-launch --local');
  });

  it('questions --json answers six questions, and questions 9 is a usage error', async () => {
    const r = await runCli(env, ['questions', '--json']);
    expect(r.code).toBe(0);
    const { questions } = JSON.parse(r.stdout);
    expect(questions).toHaveLength(6);
    expect(questions[1].answer).toContain('aurora-lab run failover --local');
    const bad = await runCli(env, ['questions', '9']);
    expect(bad.code).toBe(2);
  });
});
