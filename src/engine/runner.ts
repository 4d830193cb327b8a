/**
 * The runner executes a plan: one step at a time, state written after every step, checks collected,
 * and teardown of what the run created unless --keep. It decides nothing the planner could.
 */
import { AuroraLabError, UserAbort, VerificationError, errorMessage } from '../errors.js';
import { render, evaluate, truthy, expressionsIn } from '../labs/template.js';
import { missingValues, renderProse } from '../labs/prose.js';
import { reportLines } from './report-lines.js';
import type { Step } from '../labs/schema.js';
import type { StepRecord } from '../state/run-state.js';
import { buildContext, type RunContext } from './context.js';
import { addCheck, addMeasurement, addSeriesValues, type Execution } from './execution.js';
import type { Plan } from './planner.js';
import { runAwsStep } from './steps/aws-step.js';
import { runCheckStep } from './steps/check-step.js';
import { runProbeStart, runProbeStop } from './steps/probe-steps.js';
import { runSqlStep } from './steps/sql-step.js';
import { runPollStep, runWaitStep } from './steps/wait-steps.js';
import { redact } from '../sql/sql-error.js';

/** `before(i)` runs ahead of the i-th step (0-based), whatever the plan does with it: the cost guard's place. */
export async function runSteps(ex: Execution, plan: Plan, before?: (i: number) => Promise<void>): Promise<void> {
  const total = plan.steps.length;
  let index = 0;
  for (const planned of plan.steps) {
    index++;
    const { step } = planned;
    if (ex.signal.aborted) throw new UserAbort('interrupted');
    await before?.(index - 1);
    if (planned.action === 'skip') {
      if (planned.record) {
        ex.state.steps[step.id] = { status: 'skipped', startedAt: new Date().toISOString(), calls: [], reason: planned.reason };
        await ex.persist();
      }
      const title = renderProse(step.title, buildContext(ex.lab, ex.state, ex.target));
      ex.reporter.emit({ code: 'step.skip', level: 'info', message: `${title} (skipped: ${planned.reason})`, data: { id: step.id, index, total, reason: planned.reason } });
      continue;
    }
    const ctx = buildContext(ex.lab, ex.state, ex.target);
    if (step.when && !truthy(evaluate(step.when, ctx))) {
      ex.state.steps[step.id] = { status: 'skipped', startedAt: new Date().toISOString(), calls: [], reason: `not needed here (${step.when})` };
      await ex.persist();
      ex.reporter.emit({ code: 'step.skip', level: 'info', message: `${renderProse(step.title, ctx)} (not needed on this target)`, data: { id: step.id, index, total } });
      continue;
    }
    if (planned.reason) ex.reporter.emit({ code: 'step.repeat', level: 'info', message: `${step.title}: again (${planned.reason})`, data: { id: step.id, reason: planned.reason } });
    await runOne(ex, step, ctx, index, total);
  }
}

async function runOne(ex: Execution, step: Step, ctx: RunContext, index: number, total: number): Promise<void> {
  const previous = ex.state.steps[step.id];
  const rec: StepRecord = { status: 'running', startedAt: new Date().toISOString(), calls: previous?.calls ?? [] };
  ex.state.steps[step.id] = rec;
  // A step run again (a resumed run) judges afresh: the verdicts of its earlier attempt go.
  if (previous) ex.state.checks = ex.state.checks.filter((c) => c.stepId !== step.id);
  await ex.persist();
  const title = renderProse(step.title, ctx);
  const explain = step.explain ? renderProse(step.explain, ctx) : undefined;
  ex.reporter.emit({ code: 'step.start', level: 'info', message: title, data: { id: step.id, kind: step.kind, index, total, explain } });
  // The target's clock: virtual in the dry run's simulated-AWS timing mode, so durations read as on AWS.
  const clock = ex.target.clients.clock;
  const started = clock.now();
  try {
    await execute(ex, step, ctx, rec);
  } catch (err) {
    rec.status = 'failed';
    rec.endedAt = new Date().toISOString();
    rec.durationMs = clock.now() - started;
    rec.error = redact(errorMessage(err), [...ex.secrets]);
    await ex.persist();
    ex.reporter.emit({ code: 'step.failed', level: 'error', message: `${title}: ${rec.error}`, data: { id: step.id } });
    throw err instanceof AuroraLabError || err instanceof Error ? err : new Error(String(err));
  }
  rec.status = 'done';
  rec.endedAt = new Date().toISOString();
  rec.durationMs = clock.now() - started;
  await ex.persist();
  // The notice is read after the step: it may name what the step just captured.
  const notice = step.notice ? renderProse(step.notice, buildContext(ex.lab, ex.state, ex.target)) : undefined;
  ex.reporter.emit({ code: 'step.done', level: 'info', message: title, data: { id: step.id, durationMs: rec.durationMs, notice } });
}

async function execute(ex: Execution, step: Step, ctx: RunContext, rec: StepRecord): Promise<void> {
  switch (step.kind) {
    case 'aws':
      return runAwsStep(ex, step, ctx, rec);
    case 'wait':
      return runWaitStep(ex, step, ctx, rec);
    case 'poll':
      return runPollStep(ex, step, ctx, rec);
    case 'sql':
      return runSqlStep(ex, step, ctx);
    case 'probe-start':
      return runProbeStart(ex, step, ctx);
    case 'probe-stop':
      return runProbeStop(ex, step, ctx);
    case 'check':
      return runCheckStep(ex, step, ctx);
    case 'measure': {
      const value = render(step.value, ctx);
      if (!step.series) addMeasurement(ex, step.name, value, step.unit);
      else if (value !== null && value !== undefined) addSeriesValues(ex, step.name, Array.isArray(value) ? value : [value], step.unit, true);
      return;
    }
    case 'note':
      return;
  }
}

/** Stop every probe still running (a failed or interrupted run must not leave workload behind). */
export async function stopProbes(ex: Execution): Promise<void> {
  for (const [name, probe] of ex.probes) {
    await probe.stop().catch(() => {});
    ex.probes.delete(name);
  }
}

/** The lab's report lines, rendered with what the run measured, each figure at its resolution. */
export function renderReport(ex: Execution): string[] {
  return reportLines(ex.lab, ex.state, ex.target);
}

/** Step titles as the learner read them (the --json document carries these, not templates). */
export function renderTitles(ex: Execution): Record<string, string> {
  const ctx = buildContext(ex.lab, ex.state, ex.target);
  return Object.fromEntries(ex.lab.steps.map((s) => [s.id, renderProse(s.title, ctx)]));
}
