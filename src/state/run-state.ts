/**
 * A run's state: versioned JSON in its run directory, written atomically after every step and
 * validated on read. It holds ids, statuses, captured values and measurements, never secrets
 * (inputs are stored masked; passwords stay in Secrets Manager or the local target).
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { StateError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { runDir, runsDir } from './paths.js';

export const STATE_VERSION = 1;

const call = z.object({ service: z.string(), operation: z.string(), input: z.unknown(), region: z.string().optional() });
export type RecordedCall = z.infer<typeof call>;

const stepRecord = z.object({
  status: z.enum(['running', 'done', 'skipped', 'failed']),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  durationMs: z.number().optional(),
  /** Epoch ms of the step's first AWS call (failover -> writer change is measured from it). */
  calledAt: z.number().optional(),
  calls: z.array(call).default([]),
  reason: z.string().optional(),
  error: z.string().optional(),
});
export type StepRecord = z.infer<typeof stepRecord>;

const resource = z.object({
  type: z.string(),
  id: z.string(),
  region: z.string(),
  /** 'creating' once the create call is about to be sent, 'created' once it returned, then 'deleted'. */
  status: z.enum(['creating', 'created', 'deleted', 'delete-failed']),
  stepId: z.string(),
  createdAt: z.string(),
  deletedAt: z.string().optional(),
  arn: z.string().optional(),
});
export type ResourceRecord = z.infer<typeof resource>;

const check = z.object({
  name: z.string(),
  passed: z.boolean(),
  detail: z.string().optional(),
  stepId: z.string().optional(),
  /** Failed because its inputs were never measured (not judged on them). */
  notMeasured: z.literal(true).optional(),
});
export type CheckResult = z.infer<typeof check>;

export const runStateSchema = z.object({
  version: z.literal(STATE_VERSION),
  runId: z.string(),
  lab: z.string(),
  labFile: z.string(),
  engine: z.string(),
  target: z.enum(['aws', 'local', 'dry-run']),
  region: z.string(),
  account: z.string().optional(),
  /** The learner's public address as a /32, admitted by the lab's security group (AWS only). */
  callerCidr: z.string().optional(),
  params: z.record(z.string(), z.unknown()),
  status: z.enum(['running', 'succeeded', 'failed', 'interrupted', 'torn-down', 'tearing-down']),
  keep: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  expiresAt: z.string(),
  steps: z.record(z.string(), stepRecord),
  vars: z.record(z.string(), z.unknown()),
  measurements: z.record(z.string(), z.unknown()),
  /** Measured series for the report's charts (per-item figures, metric datapoints): name -> unit and values. */
  series: z.record(z.string(), z.object({ unit: z.string().optional(), values: z.array(z.unknown()) })).optional(),
  checks: z.array(check),
  resources: z.array(resource),
  teardown: z
    .object({ status: z.enum(['running', 'done', 'failed']), startedAt: z.string(), endedAt: z.string().optional(), calls: z.array(call).default([]), error: z.string().optional() })
    .optional(),
  endpointUrl: z.string().optional(),
  profile: z.string().optional(),
  /** `verify`'s runs of the lab's marked steps after the run, newest last (the run's own checks stay in `checks`). */
  verifications: z.array(z.object({ at: z.string(), checks: z.array(check) })).optional(),
  /** What the cost guard priced before the first create (engine/cost-guard.ts), and when the run was let through. */
  cost: z.object({ key: z.string(), passedAt: z.string().optional() }).passthrough().optional(),
});
export type RunState = z.infer<typeof runStateSchema>;

export const STATE_FILE = 'state.json';

export async function writeState(state: RunState, dir = runDir(state.runId)): Promise<void> {
  state.updatedAt = new Date().toISOString();
  // A dry run's state records nothing billable: it need not survive a power cut, only a crash.
  await writeFileAtomic(path.join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, 0o600, state.target !== 'dry-run');
}

export async function readState(runId: string): Promise<RunState> {
  const file = path.join(runDir(runId), STATE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new StateError(`no run "${runId}"`, { code: 'RUN_NOT_FOUND', hint: 'see `aurora-lab status` for the runs on this machine' });
    }
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new StateError(`the state of run ${runId} is not valid JSON (${file})`, { code: 'STATE_CORRUPT', hint: `it was cut short or edited: if the run made nothing, delete ${path.dirname(file)}; otherwise remove what it made with \`aurora-lab teardown --all\``, cause: err });
  }
  const parsed = runStateSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new StateError(`the state of run ${runId} is not readable: ${first.path.join('.')}: ${first.message}`, {
      code: 'STATE_CORRUPT',
      hint: `it was written by another version of aurora-lab, or edited; ${file}`,
    });
  }
  return parsed.data;
}

export async function runExists(runId: string): Promise<boolean> {
  return (await stat(path.join(runDir(runId), STATE_FILE)).catch(() => undefined)) !== undefined;
}

/** Every run on this machine, newest first. Unreadable ones are reported, not hidden. */
export async function listRuns(): Promise<{ runs: RunState[]; unreadable: { runId: string; error: string }[] }> {
  const names = await readdir(runsDir()).catch(() => [] as string[]);
  const runs: RunState[] = [];
  const unreadable: { runId: string; error: string }[] = [];
  for (const name of names) {
    if (!(await runExists(name))) continue;
    try {
      runs.push(await readState(name));
    } catch (err) {
      unreadable.push({ runId: name, error: (err as Error).message });
    }
  }
  runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return { runs, unreadable };
}

/** The run a command without a run id means: the newest one. */
export async function latestRun(filter: (s: RunState) => boolean = () => true): Promise<RunState> {
  const { runs } = await listRuns();
  const found = runs.find(filter);
  if (!found) throw new StateError('there are no runs on this machine yet', { code: 'RUN_NOT_FOUND', hint: 'start one with `aurora-lab run <lab>`' });
  return found;
}
