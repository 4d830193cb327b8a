import { ExitCode, UsageError, type ExitCodeValue } from '../../errors.js';
import type { Execution } from '../../engine/execution.js';
import { planRun } from '../../engine/planner.js';
import type { Target } from '../../engine/target.js';
import { runSteps, stopProbes } from '../../engine/runner.js';
import { parseLab } from '../../labs/loader.js';
import { HumanReporter } from '../../output/human-reporter.js';
import { printJson, printText } from '../../output/print.js';
import { makeChalk, outputSettings } from '../../output/style.js';
import { acquireLock } from '../../state/lock.js';
import { runDir } from '../../state/paths.js';
import { latestRun, readState, writeState } from '../../state/run-state.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { withInterrupt } from '../interrupt.js';
import type { GlobalOptions } from '../settings.js';
import { makeTarget } from '../targets.js';
import { hasLiveResources } from './teardown.js';

/** Run a kept run's SQL steps and checks again against the resources it left up. */
export async function verifyCommand(g: GlobalOptions, runId: string | undefined, o: { caBundle?: string }): Promise<ExitCodeValue> {
  const settings = outputSettings(g);
  const state = runId ? await readState(runId) : await latestRun(hasLiveResources);
  if (!hasLiveResources(state)) {
    throw new UsageError(`run ${state.runId} has no resources left to verify`, { code: 'NOTHING_TO_VERIFY', hint: 'run the lab with --keep to verify it afterwards' });
  }
  const dir = runDir(state.runId);
  const lab = parseLab(await readFile(path.join(dir, 'lab.yaml'), 'utf8'), state.labFile);
  const reporter = new HumanReporter(settings);
  await reporter.init();
  const lock = await acquireLock(dir, state.runId);
  let target: Target | undefined;
  try {
    target = await makeTarget(state.target, { ...g, caBundle: o.caBundle }, { dir, region: state.region });
    // The same planner as a run, over the lab's SQL and check steps only, as if none had run yet.
    const plan = planRun({ ...lab, steps: lab.steps.filter((s) => s.kind === 'sql' || s.kind === 'check') }, { steps: {} }, target.capabilities);
    state.checks = [];
    const t = target;
    await withInterrupt(reporter, async (signal) => {
      const ex: Execution = { lab, state, target: t, reporter, dir, probes: new Map(), secrets: new Set(), signal, persist: async () => writeState(state, dir) };
      try {
        await runSteps(ex, plan);
      } finally {
        await stopProbes(ex);
      }
    });
    await writeState(state, dir);
    const failed = state.checks.filter((c) => !c.passed);
    if (g.json) printJson({ runId: state.runId, lab: state.lab, checks: state.checks, passed: failed.length === 0 });
    else {
      const c = makeChalk(settings);
      printText(`Run ${state.runId}: ${state.checks.length - failed.length}/${state.checks.length} checks passed${failed.length ? `\n${failed.map((f) => `  ${c.red('✗')} ${f.name} ${f.detail ?? ''}`).join('\n')}` : ''}`);
    }
    return failed.length > 0 ? ExitCode.checksFailed : ExitCode.ok;
  } finally {
    await target?.close();
    await lock.release();
  }
}
