import { ExitCode, StateError, UserAbort, type ExitCodeValue } from '../../errors.js';
import { HumanReporter } from '../../output/human-reporter.js';
import { printJson, printText } from '../../output/print.js';
import { outputSettings } from '../../output/style.js';
import { acquireLock } from '../../state/lock.js';
import { runDir } from '../../state/paths.js';
import { latestRun, readState, writeState, type RunState } from '../../state/run-state.js';
import { confirm } from '../confirm.js';
import { withInterrupt } from '../interrupt.js';
import type { GlobalOptions } from '../settings.js';
import { makeTarget } from '../targets.js';

export const hasLiveResources = (s: RunState) => s.resources.some((r) => r.status !== 'deleted');

export async function teardownCommand(g: GlobalOptions, runId: string | undefined, _o: Record<string, unknown>): Promise<ExitCodeValue> {
  const settings = outputSettings(g);
  const state = runId ? await readState(runId) : await latestRun(hasLiveResources);
  const dir = runDir(state.runId);
  const reporter = new HumanReporter(settings);
  await reporter.init();
  const live = state.resources.filter((r) => r.status !== 'deleted');
  if (live.length > 0 && state.target === 'aws') {
    process.stderr.write(`Delete ${live.length} resource(s) of run ${state.runId} (${state.lab}) in account ${state.account ?? '?'}, region ${state.region}:\n${live.map((r) => `  ${r.type} ${r.id} (${r.region})`).join('\n')}\n`);
    if (!(await confirm('Delete them?', g.yes, 'Deleting AWS resources'))) throw new UserAbort('not confirmed: nothing was deleted');
  }
  const lock = await acquireLock(dir, state.runId);
  try {
    const target = await makeTarget(state.target, { ...g, profile: g.profile ?? state.profile }, { dir, region: state.region });
    try {
      const { tearDownRun } = await import('../../engine/teardown-run.js');
      const persist = async () => {
        await target.save();
        await writeState(state, dir);
      };
      const result = await withInterrupt(reporter, (signal) => tearDownRun({ state, target, reporter, signal, persist }));
      if (result.ok && state.status !== 'succeeded' && state.status !== 'failed') state.status = 'torn-down';
      await persist();
      const doc = { runId: state.runId, lab: state.lab, target: state.target, ok: result.ok, failed: result.failed, resources: state.resources.map((r) => ({ type: r.type, id: r.id, region: r.region, status: r.status })), calls: state.teardown?.calls ?? [] };
      if (g.json) printJson(doc);
      else printText(result.ok ? `Run ${state.runId}: everything it created is gone (${state.resources.length} resource(s)).` : `Run ${state.runId}: ${result.failed.length} resource(s) could not be deleted:\n${result.failed.map((f) => `  ${f.type} ${f.id}: ${f.error}`).join('\n')}\nRun \`aurora-lab teardown ${state.runId}\` again; it is safe to repeat.`);
      if (!result.ok) throw new StateError(`teardown of run ${state.runId} is incomplete`, { code: 'TEARDOWN_INCOMPLETE', hint: `run \`aurora-lab teardown ${state.runId}\` again` });
      return ExitCode.ok;
    } finally {
      await target.close();
    }
  } finally {
    await lock.release();
  }
}
