/**
 * Planning is pure: lab + saved state + target capabilities -> what to do with each step. The runner
 * only executes the plan. Resuming a run is planning against the state it left behind.
 */
import type { Lab, Step } from '../labs/schema.js';
import { expressionsIn } from '../labs/template.js';
import type { RunState } from '../state/run-state.js';
import type { TargetCapabilities } from './target.js';

export type PlannedAction = { step: Step; action: 'run' } | { step: Step; action: 'skip'; reason: string; record: boolean };

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

  for (const step of lab.steps) {
    const record = state.steps[step.id];
    if (record?.status === 'done' && !(step.kind === 'probe-start' && probeStillNeeded(lab, state, step.probe))) {
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
    out.push({ step, action: 'run' });
  }
  return { steps: out, unsupported };
}

/** A probe lives in the process that started it: after a crash it must be started again. */
function probeStillNeeded(lab: Lab, state: Pick<RunState, 'steps'>, probe: string): boolean {
  const stop = lab.steps.find((s) => s.kind === 'probe-stop' && s.probe === probe);
  return stop !== undefined && state.steps[stop.id]?.status !== 'done';
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
      exprs.push(step.assert);
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
