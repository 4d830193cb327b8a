/** The one JSON document `run --json` prints (shape in shared/DESIGN.md), built from a run's state. */
import type { Lab } from '../labs/schema.js';
import type { RunState } from '../state/run-state.js';
import type { RunCost } from './cost-guard.js';

export interface RunDocument {
  runId: string;
  lab: string;
  engine: string;
  target: RunState['target'];
  region: string;
  status: 'succeeded' | 'failed' | 'interrupted';
  steps: { id: string; title: string; status: 'done' | 'skipped' | 'failed'; durationMs: number; reason?: string; calls: { service: string; operation: string; input: unknown }[] }[];
  checks: { name: string; passed: boolean; detail?: string; notMeasured?: true }[];
  measurements: Record<string, unknown>;
  resources: { type: string; id: string; region: string; status: string }[];
  report: string[];
  /** What the cost guard priced before the first create: classes, ACU range, hourly total (and when it was let through). */
  cost?: RunCost & { passedAt?: string };
  error?: { code: string; message: string; hint?: string; details?: string[] };
}

export function runDocument(lab: Lab, state: RunState, report: string[], error?: RunDocument['error'], titles: Record<string, string> = {}): RunDocument {
  const steps: RunDocument['steps'] = [];
  for (const step of lab.steps) {
    const rec = state.steps[step.id];
    if (!rec) continue;
    steps.push({
      id: step.id,
      title: titles[step.id] ?? step.title,
      status: rec.status === 'running' ? 'failed' : rec.status,
      durationMs: rec.durationMs ?? 0,
      ...(rec.reason ? { reason: rec.reason } : {}),
      calls: rec.calls.map((c) => ({ service: c.service, operation: c.operation, input: c.input })),
    });
  }
  if (state.teardown) {
    const t = state.teardown;
    steps.push({
      id: 'teardown',
      title: 'Tear down what the run created',
      status: t.status === 'done' ? 'done' : 'failed',
      durationMs: t.endedAt ? Date.parse(t.endedAt) - Date.parse(t.startedAt) : 0,
      calls: t.calls.map((c) => ({ service: c.service, operation: c.operation, input: c.input })),
    });
  }
  const status = state.status === 'interrupted' ? 'interrupted' : state.status === 'failed' || state.checks.some((c) => !c.passed) ? 'failed' : 'succeeded';
  return {
    runId: state.runId,
    lab: state.lab,
    engine: state.engine,
    target: state.target,
    region: state.region,
    status,
    steps,
    checks: state.checks.map(({ name, passed, detail, notMeasured }) => ({ name, passed, ...(detail ? { detail } : {}), ...(notMeasured ? { notMeasured } : {}) })),
    measurements: state.measurements,
    resources: state.resources.map((r) => ({ type: r.type, id: r.id, region: r.region, status: r.status })),
    report,
    ...(state.cost ? { cost: documentCost(state.cost) } : {}),
    ...(error ? { error } : {}),
  };
}

function documentCost(saved: NonNullable<RunState['cost']>): RunCost & { passedAt?: string } {
  const { key: _, ...cost } = saved;
  return cost as unknown as RunCost & { passedAt?: string };
}
