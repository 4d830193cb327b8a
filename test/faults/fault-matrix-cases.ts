/**
 * The fault matrix, defined here and run in parts by the files beside it (fault-matrix*.test.ts), so
 * that vitest can give the parts to different workers: in one file it was the last file of the run.
 * The fault matrix: for every lab in labs/ (found when the test runs) and each engine, at every step
 * boundary of a dry run: an error at that step, an injected AWS error in that step's calls, and a
 * crash at that boundary followed by either a resume or a teardown. Whatever happens, the simulated
 * account must end holding nothing of the run, and a resume must not create anything twice.
 * Then runs where 20 % of calls are throttled or fail with a 5xx: the SDK's retries carry them through.
 * The figures are written to test/faults/fault-figures.json (the README quotes them); the parts'
 * counts add up there (figures.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLab } from '../../src/labs/loader.js';
import { SimError } from '../../src/sim/types.js';
import { mergeFigures } from './figures.js';
import { Crash, fastTmp, labFiles, leftovers, resourcesMade, runIdOf, runInProcess, simState, teardownInProcess, type RunControl } from './fault-helpers.js';

/** Which part of the matrix a file runs: the step faults of some engines, or the retried runs. */
export type MatrixPart = { steps: (engine: string) => boolean } | { retries: true };

export async function defineFaultMatrix(part: MatrixPart): Promise<void> {
  const figures = {
    labs: [] as string[],
    faultPoints: 0,
    byKind: { stepError: 0, awsError: 0, crashThenResume: 0, crashThenTeardown: 0, throttled: 0, serverErrors: 0, sigkill: 0 },
    runsCompleted: 0,
    resourcesLeaked: 0,
    duplicateCreates: 0,
    retriedCalls: 0,
    durationMs: 0,
  };
  const problems: string[] = [];
  const started = Date.now();

  let home: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(await fastTmp(), 'aurora-lab-faults-'));
    process.env.AURORA_LAB_HOME = home;
  });
  afterAll(async () => {
    figures.durationMs = Date.now() - started;
    // Merged with what the SIGKILL test (another file, another worker) wrote.
    await mergeFigures(figures);
    await rm(home, { recursive: true, force: true });
  });

  const labs = await labFiles();
  const matrix: { file: string; name: string; engine: string; kinds: Record<string, string> }[] = [];
  for (const file of labs) {
    const { lab } = await loadLab(file);
    for (const engine of lab.engines) matrix.push({ file, name: lab.name, engine, kinds: Object.fromEntries(lab.steps.map((s) => [s.id, s.kind])) });
  }
  const stepCases = 'steps' in part ? matrix.filter((m) => part.steps(m.engine)) : [];

  /** Check the account holds nothing of the run; count and describe what it does hold. */
  async function expectEmpty(runId: string, what: string, into: string[] = problems): Promise<void> {
    const left = leftovers(await simState(runId), runId);
    if (left.length > 0) {
      figures.resourcesLeaked += left.length;
      into.push(`${what}: leaked ${left.join(', ')}`);
    }
  }

  const injected = (code = 'InvalidParameterCombination') => new SimError(code, 'injected fault', 400);

  describe('fault matrix', () => {
    it('finds the labs to test', () => {
      expect(matrix.length).toBeGreaterThan(0);
      if ('steps' in part) expect(stepCases.length).toBeGreaterThan(0);
      figures.labs = [...new Set(matrix.map((m) => m.name))];
    });

    for (const m of stepCases) {
      it(`${m.name} (${m.engine}): every step boundary, an error, an AWS error, or a crash then resume or teardown, leaves the account empty`, { timeout: 170_000 }, async () => {
        const clean = await runInProcess({ lab: m.file, engine: m.engine });
        expect(clean.error, String(clean.error)).toBeUndefined();
        expect(clean.result!.document.status).toBe('succeeded');
        figures.runsCompleted++;
        const cleanId = runIdOf(clean);
        await expectEmpty(cleanId, `${m.name}/${m.engine} clean run`);
        const made = resourcesMade(await simState(cleanId), cleanId);
        const steps = clean.events.filter((e) => e.code === 'step.start').map((e) => (e.data as { id: string }).id);
        expect(steps.length).toBeGreaterThan(0);

        for (const step of steps) {
          const at = `${m.name}/${m.engine} at ${step}`;

          // (a) an error at the step: the run fails and tears down what it made.
          {
            let fired = false;
            const run = await runInProcess({
              lab: m.file,
              engine: m.engine,
              hooks: { onEvent: (e) => { if (!fired && e.code === 'step.start' && (e.data as { id: string }).id === step) { fired = true; throw new Error('injected step error'); } } },
            });
            figures.faultPoints++;
            figures.byKind.stepError++;
            if (run.error || run.result?.document.status !== 'failed') problems.push(`${at} step error: ${String(run.error ?? run.result?.document.status)}`);
            else figures.runsCompleted++;
            await expectEmpty(runIdOf(run), `${at} step error`);
          }

          // (a') an AWS error in every call the step makes (aws steps): same outcome.
          if (m.kinds[step] === 'aws') {
            const run = await runInProcess({ lab: m.file, engine: m.engine, hooks: { inject: (_c, ctl: RunControl) => (ctl.step === step ? injected() : undefined) } });
            figures.faultPoints++;
            figures.byKind.awsError++;
            if (run.error || run.result?.document.status !== 'failed') problems.push(`${at} AWS error: ${String(run.error ?? run.result?.document.status)}`);
            else figures.runsCompleted++;
            await expectEmpty(runIdOf(run), `${at} AWS error`);
          }

          // (b) a crash at the boundary, then the same run id again: it resumes, succeeds, creates nothing twice.
          for (const then of ['resume', 'teardown'] as const) {
            const crashed = await runInProcess({
              lab: m.file,
              engine: m.engine,
              hooks: { onEvent: (e, ctl) => { if (!ctl.crashed && e.code === 'step.start' && (e.data as { id: string }).id === step) { ctl.crash(); throw new Crash(); } } },
            });
            figures.faultPoints++;
            if (!(crashed.error instanceof Crash)) problems.push(`${at} crash: expected the simulated crash, got ${String(crashed.error ?? crashed.result?.document.status)}`);
            const runId = runIdOf(crashed);
            if (then === 'resume') {
              figures.byKind.crashThenResume++;
              const again = await runInProcess({ lab: m.file, engine: m.engine, runId });
              if (again.error || again.result?.document.status !== 'succeeded') problems.push(`${at} resume: ${String(again.error ?? again.result?.document.error?.message)}`);
              else figures.runsCompleted++;
              const n = resourcesMade(await simState(runId), runId);
              if (n !== made) {
                figures.duplicateCreates += Math.max(0, n - made);
                problems.push(`${at} resume: made ${n} resources, a clean run makes ${made}`);
              }
            } else {
              figures.byKind.crashThenTeardown++;
              const td = await teardownInProcess(runId);
              if (!td.ok) problems.push(`${at} teardown after crash: incomplete`);
              else figures.runsCompleted++;
            }
            await expectEmpty(runId, `${at} crash then ${then}`);
          }
        }
        expect(problems).toEqual([]);
      });
    }

    for (const [kind, code, status] of 'retries' in part ? ([
      ['throttled', 'ThrottlingException', 400],
      ['serverErrors', 'InternalFailure', 500],
    ] as const) : []) {
      it(`runs where 20 % of calls are ${kind === 'throttled' ? 'throttled' : 'answered with a 500'} still succeed and leave the account empty`, { timeout: 120_000 }, async () => {
        // The SDK's real backoff sleeps (500 ms base for throttling): one engine per lab keeps this short,
        // and the labs' runs (each its own run id and simulated account) wait out their backoffs side by side.
        const mine: string[] = [];
        await Promise.all(matrix.filter((x, i) => matrix.findIndex((y) => y.name === x.name) === i).map(async (m) => {
          // Seeded: the same calls fail on every run of the test.
          let seed = 0x9e3779b9 ^ m.name.length ^ (m.engine.length << 8);
          const random = () => {
            seed = (seed + 0x6d2b79f5) | 0;
            let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
            t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
            return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
          };
          let failed = 0;
          const run = await runInProcess({
            lab: m.file,
            engine: m.engine,
            hooks: {
              inject: () => {
                if (random() < 0.2) {
                  failed++;
                  return new SimError(code, kind === 'throttled' ? 'Rate exceeded' : 'We encountered an internal error. Please try again.', status, status >= 500 ? 'server' : 'client');
                }
                return undefined;
              },
            },
          });
          figures.faultPoints++;
          figures.byKind[kind]++;
          figures.retriedCalls += failed;
          if (failed === 0) mine.push(`${m.name}/${m.engine} ${kind}: no call was failed`);
          if (run.error || run.result?.document.status !== 'succeeded') mine.push(`${m.name}/${m.engine} ${kind}: ${String(run.error ?? run.result?.document.error?.message)}`);
          else figures.runsCompleted++;
          await expectEmpty(runIdOf(run), `${m.name}/${m.engine} ${kind}`, mine);
        }));
        problems.push(...mine);
        expect(mine).toEqual([]);
      });
    }
  });
}
