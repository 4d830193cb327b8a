/**
 * The learning path: the labs by level, and for each lab and engine where the learner stands, from
 * the runs under AURORA_LAB_HOME. Pure: labs and run states in, a document out.
 *
 * A run on AWS or --local whose steps all finished and whose checks all passed is "passed". A dry run
 * that did the same is only "rehearsed": it ran the control-plane calls against a simulation and no
 * SQL at all, so the checks that prove Aurora's behaviour (the writer moved, no write was lost, the
 * row reached the reader) were never made.
 */
import { LEVELS, type Lab } from '../labs/schema.js';
import type { RunState } from '../state/run-state.js';

export type Standing = 'passed' | 'rehearsed' | 'attempted' | 'not started';

export interface EngineProgress {
  engine: string;
  standing: Standing;
  /** The run that gives the standing: the best passed run, else the newest rehearsal or attempt. */
  runId?: string;
  target?: string;
  when?: string;
  runs: number;
  /** Passed runs among them (the best is chosen from these). */
  passedRuns: number;
  headline?: { label: string; value: unknown; unit?: string; runId: string };
}

export interface LabProgress {
  name: string;
  title: string;
  asks: string;
  engines: EngineProgress[];
}

export interface LearningPath {
  levels: { level: string; labs: LabProgress[] }[];
  next?: { lab: string; engine: string; command: string; why: string };
  definitions: Record<Standing, string>;
}

export const DEFINITIONS: Record<Standing, string> = {
  passed: 'a run on AWS or --local finished every step and passed every check',
  rehearsed: 'a dry run finished: the calls were rehearsed against a simulation, but no database ran, so nothing was proved about Aurora',
  attempted: 'a run started but failed a check or a step, or is still running',
  'not started': 'no run of this lab with this engine on this machine',
};

function completed(s: RunState): boolean {
  const steps = Object.values(s.steps);
  return (
    !['failed', 'interrupted', 'running'].includes(s.status) &&
    steps.length > 0 &&
    steps.every((r) => r.status === 'done' || r.status === 'skipped') &&
    s.checks.length > 0 &&
    s.checks.every((c) => c.passed)
  );
}

function best(lab: Lab, runs: RunState[]): RunState {
  const h = lab.headline;
  if (!h?.better) return runs[0]!;
  const scored = runs.filter((r) => typeof r.measurements[h.measurement] === 'number');
  if (scored.length === 0) return runs[0]!;
  return scored.reduce((a, b) => {
    const va = a.measurements[h.measurement] as number;
    const vb = b.measurements[h.measurement] as number;
    return (h.better === 'lower' ? vb < va : vb > va) ? b : a;
  });
}

function progressFor(lab: Lab, engine: string, runs: RunState[]): EngineProgress {
  const mine = runs.filter((r) => r.lab === lab.name && r.engine === engine).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const passed = mine.filter((r) => r.target !== 'dry-run' && completed(r));
  const rehearsed = mine.filter((r) => r.target === 'dry-run' && completed(r));
  const base = { engine, runs: mine.length, passedRuns: passed.length };
  if (passed.length > 0) {
    const top = best(lab, passed);
    const h = lab.headline;
    const value = h ? top.measurements[h.measurement] : undefined;
    return {
      ...base,
      standing: 'passed',
      runId: top.runId,
      target: top.target,
      when: top.createdAt,
      ...(h && value !== undefined && value !== null ? { headline: { label: h.label, value, ...(h.unit ? { unit: h.unit } : {}), runId: top.runId } } : {}),
    };
  }
  const shown = rehearsed[0] ?? mine[0];
  if (!shown) return { ...base, standing: 'not started' };
  return { ...base, standing: rehearsed[0] ? 'rehearsed' : 'attempted', runId: shown.runId, target: shown.target, when: shown.createdAt };
}

export function learningPath(labs: Lab[], runs: RunState[]): LearningPath {
  const levels = LEVELS.map((level) => ({
    level,
    labs: labs
      .filter((l) => l.level === level)
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((lab) => ({ name: lab.name, title: lab.title, asks: lab.title, engines: lab.engines.map((e) => progressFor(lab, e, runs)) })),
  }));
  return { levels, ...nextStep(levels), definitions: DEFINITIONS };
}

/** The first lab and engine in path order that is not passed: rehearse it, or run it for real. */
function nextStep(levels: LearningPath['levels']): { next?: LearningPath['next'] } {
  for (const { labs } of levels) {
    for (const lab of labs) {
      for (const e of lab.engines) {
        if (e.standing === 'passed') continue;
        const engineFlag = e.engine === 'aurora-postgresql' ? '' : ` --engine ${e.engine}`;
        const why =
          e.standing === 'rehearsed'
            ? 'you rehearsed it in a dry run; run it against real databases (free, on this machine) to pass it'
            : e.standing === 'attempted'
              ? 'your last run did not pass: run it again (see `aurora-lab report` for what failed)'
              : 'the next lab on the path';
        return { next: { lab: lab.name, engine: e.engine, command: `aurora-lab run ${lab.name} --local${engineFlag}`, why } };
      }
    }
  }
  return {};
}
