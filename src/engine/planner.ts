/**
 * Planning is pure: lab + saved state + target capabilities -> what to do with each step. The runner
 * only executes the plan. Resuming a run is planning against the state it left behind.
 */
import type { Lab, Step } from '../labs/schema.js';
import { expressionsIn } from '../labs/template.js';
import type { RunState } from '../state/run-state.js';
import type { TargetCapabilities } from './target.js';

export type PlannedAction =
  | { step: Step; action: 'run'; /** Why a step done before runs again. */ reason?: string }
  | { step: Step; action: 'skip'; reason: string; record: boolean };

export interface Plan {
  steps: PlannedAction[];
  /** Features the lab needs that the target lacks: the run must not start. */
  unsupported: string[];
}

const SQL_KINDS = new Set<Step['kind']>(['sql', 'probe-start', 'probe-stop']);

export function planRun(lab: Lab, state: Pick<RunState, 'steps'>, capabilities: TargetCapabilities): Plan {
  const unsupported = lab.requires.filter((f) => capabilities.unsupported.includes(f));
  const unavailable = new Set<string>(); // vars that will not exist because their step cannot run
  const out: PlannedAction[] = [];
  const repeat = lostProbeWindows(lab, state);

  for (const step of lab.steps) {
    const record = state.steps[step.id];
    const again = repeat.get(step.id);
    if (record?.status === 'done' && again === undefined) {
      out.push({ step, action: 'skip', reason: 'done in an earlier attempt', record: false });
      continue;
    }
    if (SQL_KINDS.has(step.kind) && !capabilities.sql) {
      for (const name of capturesOf(step)) unavailable.add(name);
      out.push({ step, action: 'skip', reason: 'SQL is not run in a dry run', record: true });
      continue;
    }
    const needs = referencedVars(step);
    const missing = needs.filter((v) => unavailable.has(v));
    if (missing.length > 0) {
      for (const name of capturesOf(step)) unavailable.add(name);
      out.push({ step, action: 'skip', reason: `needs ${missing.map((m) => `vars.${m}`).join(', ')} from a step that did not run`, record: true });
      continue;
    }
    out.push(again !== undefined && record?.status === 'done' ? { step, action: 'run', reason: again } : { step, action: 'run' });
  }
  return { steps: out, unsupported };
}

/**
 * A probe lives in the process that started it. When an earlier attempt started a probe and did not
 * reach its stop, what the probe should have seen is lost: every step of its window (from its
 * `resumeFrom`, or the probe-start, through the probe-stop) runs again, so the drill is measured anew
 * instead of stopping a fresh probe that saw nothing. Step id -> why it runs again.
 */
export function lostProbeWindows(lab: Lab, state: Pick<RunState, 'steps'>): Map<string, string> {
  const again = new Map<string, string>();
  lab.steps.forEach((start, startIdx) => {
    // Skipped (a dry run) is not started: there was no probe to lose.
    const started = start.kind === 'probe-start' ? state.steps[start.id]?.status : undefined;
    if (start.kind !== 'probe-start' || started === undefined || started === 'skipped') return;
    const stopIdx = lab.steps.findIndex((s) => s.kind === 'probe-stop' && s.probe === start.probe);
    if (stopIdx < 0 || state.steps[lab.steps[stopIdx]!.id]?.status === 'done') return;
    const fromIdx = start.resumeFrom ? lab.steps.findIndex((s) => s.id === start.resumeFrom) : startIdx;
    const reason = `probe ${start.probe} was lost with the interrupted process: its window runs again`;
    for (const s of lab.steps.slice(fromIdx >= 0 ? fromIdx : startIdx, stopIdx + 1)) again.set(s.id, reason);
  });
  return again;
}

export function capturesOf(step: Step): string[] {
  switch (step.kind) {
    case 'aws':
    case 'poll':
      return Object.keys(step.capture ?? {});
    case 'sql': {
      const lists = Array.isArray(step.statements) ? [step.statements] : [step.statements.postgres, step.statements.mysql];
      return lists.flatMap((l) => l.flatMap((st) => Object.keys(st.capture ?? {})));
    }
    default:
      return [];
  }
}

export function referencedVars(step: Step): string[] {
  const exprs: string[] = [];
  const add = (v: unknown) => exprs.push(...expressionsIn(v));
  if (step.when) exprs.push(step.when);
  switch (step.kind) {
    case 'aws':
      add(step.input);
      add(step.forEach);
      add(step.creates);
      break;
    case 'wait':
      add(step.input);
      add(step.forEach);
      break;
    case 'poll':
      add(step.input);
      add(step.until);
      break;
    case 'check':
      exprs.push(step.assert, ...(step.measured ?? []));
      add(step.detail);
      break;
    case 'measure':
      add(step.value);
      break;
    default:
      break;
  }
  const names = new Set<string>();
  for (const e of exprs) for (const m of e.matchAll(/\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
  return [...names];
}
