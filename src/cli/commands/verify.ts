import { ExitCode, UsageError, type ExitCodeValue } from '../../errors.js';
import type { Execution } from '../../engine/execution.js';
import { planRun } from '../../engine/planner.js';
import type { Target } from '../../engine/target.js';
import { runSteps, stopProbes } from '../../engine/runner.js';
import { parseLab } from '../../labs/loader.js';
import type { Lab, Step } from '../../labs/schema.js';
import { HumanReporter } from '../../output/human-reporter.js';
import { printJson, printText, stderrDrained } from '../../output/print.js';
import { makeChalk, outputSettings } from '../../output/style.js';
import { acquireLock } from '../../state/lock.js';
import { runDir } from '../../state/paths.js';
import { latestRun, readState, writeState, type RunState } from '../../state/run-state.js';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { withInterrupt } from '../interrupt.js';
import type { GlobalOptions } from '../settings.js';
import { makeTarget } from '../targets.js';
import { hasLiveResources } from './teardown.js';

/**
 * The steps verify runs again, in lab order: those the lab marks `verify: true`, which check the state
 * the run leaves behind and are safe to repeat. The others are about a moment of the run (the writer
 * before a failover) or change something (a DELETE, a seed, a load), and repeating them would fail or harm.
 */
export function verifySteps(lab: Lab): Step[] {
  return lab.steps.filter((s) => s.verify === true);
}

/** How many of verify's verdicts a run's state keeps (the newest). */
const KEPT_VERIFICATIONS = 10;

/** Run a kept run's marked steps again against the resources it left up. */
export async function verifyCommand(g: GlobalOptions, runId: string | undefined, o: { caBundle?: string }): Promise<ExitCodeValue> {
  const settings = outputSettings(g);
  const state = runId ? await readState(runId) : await latestRun(hasLiveResources);
  if (!hasLiveResources(state)) {
    throw new UsageError(`run ${state.runId} has no resources left to verify`, { code: 'NOTHING_TO_VERIFY', hint: 'run the lab with --keep to verify it afterwards' });
  }
  const dir = runDir(state.runId);
  const lab = parseLab(await readFile(path.join(dir, 'lab.yaml'), 'utf8'), state.labFile);
  const steps = verifySteps(lab);
  if (steps.length === 0) {
    throw new UsageError(`lab ${lab.name} marks no step to verify`, { code: 'NOTHING_TO_VERIFY', hint: 'mark the steps that check the state a run leaves behind with "verify: true" in the lab file' });
  }
  const reporter = new HumanReporter(settings);
  await reporter.init();
  const lock = await acquireLock(dir, state.runId);
  let target: Target | undefined;
  try {
    target = await makeTarget(state.target, { ...g, caBundle: o.caBundle }, { dir, region: state.region });
    // The same planner as a run, over the marked steps only, as if none had run yet. They run on a copy
    // of the run's record (its vars are the starting point): the run's own steps, checks and figures
    // stay as the run left them, and verify's verdict is added beside them at the end.
    const plan = planRun({ ...lab, steps }, { steps: {} }, target.capabilities);
    const work: RunState = { ...structuredClone(state), steps: {}, checks: [] };
    const t = target;
    await withInterrupt(reporter, async (signal) => {
      // Marked steps only read (the loader refuses any other), so there is nothing to persist as they go.
      const ex: Execution = { lab, state: work, target: t, reporter, dir, probes: new Map(), secrets: new Set(), signal, persist: async () => undefined };
      try {
        await runSteps(ex, plan);
      } finally {
        await stopProbes(ex);
      }
    });
    const checks = work.checks;
    const failed = checks.filter((c) => !c.passed);
    state.verifications = [...(state.verifications ?? []), { at: new Date().toISOString(), checks }].slice(-KEPT_VERIFICATIONS);
    await writeState(state, dir);
    // The steps went to stderr: let them out before the verdict goes to stdout, so that a reader of both sees it last.
    await stderrDrained();
    if (g.json) printJson({ runId: state.runId, lab: state.lab, checks, passed: failed.length === 0 });
    else {
      const c = makeChalk(settings);
      const lines = ['', `${c.bold(`Run ${state.runId}`)} (${state.lab}): ${failed.length ? c.red('verify failed') : c.green('verified')}`];
      lines.push(`checks: ${checks.length - failed.length}/${checks.length} passed`);
      for (const f of failed) lines.push(`  ${c.red('✗')} ${f.name}${f.detail ? ` (${f.detail})` : ''}`);
      printText(lines.join('\n'));
    }
    return failed.length > 0 ? ExitCode.checksFailed : ExitCode.ok;
  } finally {
    await target?.close();
    await lock.release();
  }
}
