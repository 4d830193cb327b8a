/**
 * In-process dry runs with fault hooks: an error at a step, a simulated crash at a step boundary (the
 * cloud keeps what it has, the run's local state stops where it was), resume, teardown, and the check
 * that the simulated account holds nothing of a run.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { LabEvent, Reporter } from '../../src/events.js';
import { runLab, type RunLabResult } from '../../src/engine/run-lab.js';
import type { Target } from '../../src/engine/target.js';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import { tearDownRun } from '../../src/engine/teardown-run.js';
import { TAG_RUN_ID } from '../../src/engine/tags.js';
import { runDir } from '../../src/state/paths.js';
import { readState, writeState } from '../../src/state/run-state.js';
import type { SimState } from '../../src/sim/model/state.js';
import type { SimCall, SimError } from '../../src/sim/types.js';

/**
 * State is fsynced after every step; on a disk that dominates a dry run. /dev/shm (tmpfs) where there
 * is one makes the hundreds of runs of the matrix fast without changing what the engine does.
 */
export async function fastTmp(): Promise<string> {
  const { access, constants } = await import('node:fs/promises');
  const ok = await access('/dev/shm', constants.W_OK).then(() => true, () => false);
  return ok ? '/dev/shm' : (await import('node:os')).tmpdir();
}

export const LABS_DIR = path.resolve(__dirname, '../../labs');

/** Every lab file in labs/, found when the test runs (others add labs). */
export async function labFiles(): Promise<string[]> {
  return (await readdir(LABS_DIR)).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(LABS_DIR, f));
}

/** Thrown out of the target's save once the simulated process has "died": nothing more is persisted locally. */
export class Crash extends Error {
  constructor() {
    super('simulated crash');
  }
}

export interface RunHooks {
  /** Called with every event; throwing from it throws inside the engine. */
  onEvent?: (e: LabEvent, ctl: RunControl) => void;
  /** Called with every call the simulated account receives (retries included). */
  inject?: (call: SimCall, ctl: RunControl) => SimError | undefined;
}

export interface RunControl {
  /** The step whose step.start came last (undefined once it failed or teardown began). */
  step?: string;
  /** From now on the run's state is not written again; the simulated account still is (the cloud keeps it). */
  crash(): void;
  crashed: boolean;
  calls: SimCall[];
}

export interface InProcessRun {
  result?: RunLabResult;
  error?: unknown;
  ctl: RunControl;
  events: LabEvent[];
}

export async function runInProcess(opts: { lab: string; engine?: string; runId?: string; hooks?: RunHooks; params?: Record<string, string> }): Promise<InProcessRun> {
  const events: LabEvent[] = [];
  const ctl: RunControl = {
    crashed: false,
    calls: [],
    crash() {
      ctl.crashed = true;
    },
  };
  const reporter: Reporter = {
    emit(e) {
      events.push(e);
      if (e.code === 'step.start') ctl.step = (e.data as { id: string }).id;
      if (e.code === 'step.failed' || e.code === 'teardown.start') ctl.step = undefined;
      opts.hooks?.onEvent?.(e, ctl);
    },
  };
  const makeTarget = async ({ dir }: { dir: string }): Promise<Target> => {
    const t = await dryRunTarget({
      region: 'us-east-1',
      runDir: dir,
      inject: (call) => {
        ctl.calls.push(call);
        return opts.hooks?.inject?.(call, ctl);
      },
    });
    return {
      ...t,
      async save() {
        await t.save();
        if (ctl.crashed) throw new Crash();
      },
    };
  };
  try {
    const result = await runLab({
      labRef: opts.lab,
      engine: opts.engine,
      params: opts.params ?? {},
      runId: opts.runId,
      targetName: 'dry-run',
      keep: false,
      reporter,
      signal: new AbortController().signal,
      makeTarget,
      confirm: async () => true,
    });
    return { result, ctl, events };
  } catch (error) {
    return { error, ctl, events };
  }
}

/** The run id a run (or crashed run) used: from run.start. */
export function runIdOf(run: InProcessRun): string {
  const start = run.events.find((e) => e.code === 'run.start');
  if (!start) throw new Error(`the run never started: ${String(run.error)}`);
  return (start.data as { runId: string }).runId;
}

/** `aurora-lab teardown <run-id>` in-process: the recorded resources of a run, from its state. */
export async function teardownInProcess(runId: string): Promise<{ ok: boolean }> {
  const state = await readState(runId);
  const dir = runDir(runId);
  const target = await dryRunTarget({ region: state.region, runDir: dir });
  try {
    const persist = async () => {
      await target.save();
      await writeState(state, dir);
    };
    const r = await tearDownRun({ state, target, reporter: { emit() {} }, persist });
    return { ok: r.ok };
  } finally {
    await target.close();
  }
}

export async function simState(runId: string): Promise<SimState> {
  return JSON.parse(await readFile(path.join(runDir(runId), 'sim.json'), 'utf8')) as SimState;
}

/**
 * What the simulated account still holds that the run made: every resource tagged with its run id,
 * and any resource at all that is not one of the account's defaults (each dry run has its own account).
 */
export function leftovers(sim: SimState, runId: string): string[] {
  const tagged = (tags: { Key: string; Value: string }[]) => tags.some((t) => t.Key === TAG_RUN_ID && t.Value === runId);
  const out: string[] = [];
  for (const c of Object.values(sim.clusters)) out.push(`db-cluster ${c.id}${tagged(c.tags) ? '' : ' (untagged)'}`);
  for (const i of Object.values(sim.instances)) out.push(`db-instance ${i.id}${tagged(i.tags) ? '' : ' (untagged)'}`);
  for (const s of Object.values(sim.clusterSnapshots)) if (tagged(s.tags)) out.push(`db-cluster-snapshot ${s.id}`);
  for (const s of Object.values(sim.dbSnapshots)) if (tagged(s.tags)) out.push(`db-snapshot ${s.id}`);
  for (const g of Object.values(sim.globalClusters)) out.push(`global-cluster ${g.id}`);
  for (const g of Object.values(sim.subnetGroups)) if (!g.name.startsWith('default')) out.push(`db-subnet-group ${g.name}`);
  for (const g of Object.values(sim.parameterGroups)) if (!g.name.startsWith('default')) out.push(`parameter-group ${g.name}`);
  for (const g of Object.values(sim.securityGroups)) if (!g.isDefault) out.push(`security-group ${g.groupId} (${g.name})`);
  for (const s of Object.values(sim.secrets)) out.push(`secret ${s.name}`);
  for (const r of Object.values(sim.roles ?? {})) out.push(`iam-role ${r.name}`);
  for (const a of Object.values(sim.alarms ?? {})) out.push(`cloudwatch-alarm ${a.name}`);
  // RDSOSMetrics is the account's, made by RDS for every monitored instance: not the run's to delete.
  for (const g of Object.values(sim.logGroups ?? {})) if (g.name !== 'RDSOSMetrics') out.push(`log-group ${g.name}`);
  return out;
}

/** How many tagged resources the run ever made (live or deleted): a duplicate create would add one. */
export function resourcesMade(sim: SimState, runId: string): number {
  const tagged = (tags: { Key: string; Value: string }[]) => tags.some((t) => t.Key === TAG_RUN_ID && t.Value === runId);
  const arns = new Set<string>();
  for (const t of sim.tombstones) if (tagged(t.tags)) arns.add(`${t.resourceType} ${t.arn}`);
  for (const c of Object.values(sim.clusters)) if (tagged(c.tags)) arns.add(`rds:cluster ${c.arn}`);
  for (const i of Object.values(sim.instances)) if (tagged(i.tags)) arns.add(`rds:db ${i.arn}`);
  for (const g of Object.values(sim.securityGroups)) if (tagged(g.tags)) arns.add(`sg ${g.groupId}`);
  return arns.size;
}
