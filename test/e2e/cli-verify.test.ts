/**
 * `aurora-lab verify` on a kept local failover run: it repeats only the steps the lab marks, so the
 * check about the writer before the failover is not asked again of a cluster whose writer has moved,
 * and it passes where re-running every check used to fail; teardown then removes what the run kept.
 * The run's own record (steps, checks, figures) stays as the run left it, with each verdict beside it.
 * A lab that marks no step has nothing to verify: a usage error that says how to mark one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCliEnv, runCli } from '../helpers/cli.js';
import { localCli, mariadbUnder, postgresUnder, type LocalCli } from '../helpers/local-cli.js';

let local: LocalCli;

beforeAll(async () => {
  local = await localCli({ AURORA_LAB_LOCAL_TIME_SCALE: '0.01' });
});

afterAll(async () => {
  if (local) await local.close();
}, 90_000);

describe('verify after run --keep', () => {
  it('run failover --local --keep, then verify, passes the checks on the state the run left, and keeps the run\'s own figures and checks', async () => {
    const { r, doc } = await local.runLab('failover', ['--keep'], 240_000);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(doc.checks.filter((c: { passed: boolean }) => !c.passed)).toEqual([]);
    try {
      const v = await local.cli(['verify', doc.runId, '--json'], 180_000);
      expect(v.code, `${v.stdout}\n${v.stderr.slice(-3000)}`).toBe(0);
      const out = JSON.parse(v.stdout);
      expect(out).toMatchObject({ runId: doc.runId, lab: 'failover', passed: true });
      const names = out.checks.map((c: { name: string }) => c.name);
      expect(names).toContain('DescribeDBClusters names the chosen reader as the new writer');
      expect(names).toContain('every write acknowledged before, during and after the failover is still there');
      expect(names.filter((n: string) => /before the failover/.test(n))).toEqual([]);
      expect(out.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
      // The run's figures stay the run's: its endpoint catch-up is not replaced by verify's.
      const state = JSON.parse(readFileSync(join(local.env.home, 'runs', doc.runId, 'state.json'), 'utf8'));
      expect(typeof doc.measurements.endpointCatchUpMs).toBe('number');
      expect(state.measurements.endpointCatchUpMs).toBe(doc.measurements.endpointCatchUpMs);
      // And its checks stay the run's, with verify's verdict beside them.
      expect(state.checks.map(({ stepId: _s, ...c }: { stepId?: string }) => c)).toEqual(doc.checks);
      expect(state.verifications.map((v: { checks: unknown[] }) => v.checks)).toEqual([out.checks]);
    } finally {
      const t = await local.cli(['teardown', doc.runId, '--yes'], 120_000);
      expect(t.code, t.stderr.slice(-2000)).toBe(0);
    }
    expect([...postgresUnder(local.dataDir), ...mariadbUnder(local.dataDir)]).toEqual([]);
  }, 480_000);

  it("keeps the run's own checks and steps, adds each verdict beside them, and the report shows the newest", async () => {
    const env = makeCliEnv();
    const run = await runCli(env, ['run', 'failover', '--dry-run', '--keep', '--yes', '--json']);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const doc = JSON.parse(run.stdout);
    const stateFile = join(env.home, 'runs', doc.runId, 'state.json');
    const before = JSON.parse(readFileSync(stateFile, 'utf8'));
    try {
      const verdicts = [];
      for (let i = 0; i < 2; i++) {
        const v = await runCli(env, ['verify', doc.runId, '--json']);
        expect(v.code, v.stderr.slice(-2000)).toBe(0);
        verdicts.push(JSON.parse(v.stdout));
      }
      expect(verdicts[0].checks.map((c: { name: string }) => c.name)).toEqual(['DescribeDBClusters names the chosen reader as the new writer']);
      const after = JSON.parse(readFileSync(stateFile, 'utf8'));
      // The run's record is as the run left it: verify's steps ran on a copy.
      expect(after.checks).toEqual(before.checks);
      expect(after.steps).toEqual(before.steps);
      expect(after.measurements).toEqual(before.measurements);
      expect(verdicts.map((v) => v.passed)).toEqual([true, true]);
      expect(after.verifications.map((v: { checks: unknown[] }) => v.checks)).toEqual(verdicts.map((v) => v.checks));
      const r = await runCli(env, ['report', doc.runId]);
      expect(r.code, r.stderr).toBe(0);
      const page = readFileSync(r.stdout.trim(), 'utf8');
      expect(page).toMatch(/<h2>Verified afterwards<\/h2><p class="meta" data-verified="true">[^<]*verified, checks 1\/1 passed \(1 earlier: [^)]* passed\)/);
      expect(page).toContain(`checks ${before.checks.filter((c: { passed: boolean }) => c.passed).length}/${before.checks.length} passed`);
    } finally {
      const t = await runCli(env, ['teardown', doc.runId, '--yes']);
      expect(t.code, t.stderr.slice(-2000)).toBe(0);
    }
  }, 120_000);

  it('verify of a kept run whose lab marks no step fails as a usage error NOTHING_TO_VERIFY with a hint', async () => {
    const env = makeCliEnv();
    const run = await runCli(env, ['run', 'cluster-launch', '--dry-run', '--keep', '--yes', '--json']);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const { runId } = JSON.parse(run.stdout);
    try {
      // The run's own copy of its lab, with the marks taken out.
      const file = join(env.home, 'runs', runId, 'lab.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^\s*verify: true\n/gm, ''));
      const v = await runCli(env, ['verify', runId, '--json']);
      expect(v.code).toBe(2);
      expect(JSON.parse(v.stdout).error).toMatchObject({ code: 'NOTHING_TO_VERIFY', exitCode: 2, hint: expect.stringContaining('verify: true') });
    } finally {
      const t = await runCli(env, ['teardown', runId, '--yes']);
      expect(t.code, t.stderr.slice(-2000)).toBe(0);
    }
  }, 120_000);
});
