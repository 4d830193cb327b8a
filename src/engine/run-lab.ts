/**
 * One run, start to finish: load (or resume) -> plan -> confirm -> execute -> teardown -> document.
 * Interrupted runs are left resumable; failed ones are torn down unless --keep.
 */
import { mkdir, readFile, copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AuroraLabError, CostGuardError, LabFileError, UsageError, UserAbort, StateError, errorMessage } from '../errors.js';
import type { Reporter } from '../events.js';
import { loadLab, parseLab, displayPath } from '../labs/loader.js';
import type { Engine, Lab } from '../labs/schema.js';
import { acquireLock } from '../state/lock.js';
import { runDir } from '../state/paths.js';
import { readState, runExists, writeState, STATE_VERSION, type RunState } from '../state/run-state.js';
import { buildContext, resolveParams, type RunContext } from './context.js';
import { passCostGuard } from './cost-gate.js';
import type { CostAllowance, RunCost } from './cost-guard.js';
import { guardIndex } from './cost-plan.js';
import { evaluate, truthy } from '../labs/template.js';
import type { Execution } from './execution.js';
import { planRun } from './planner.js';
import { runDocument, type RunDocument } from './result.js';
import { renderReport, renderTitles, runSteps, stopProbes } from './runner.js';
import type { Target, TargetName } from './target.js';
import { tearDownRun } from './teardown-run.js';
import { redact } from '../sql/sql-error.js';

export const DEFAULT_TTL_HOURS = 4;

export interface RunLabOptions {
  labRef: string;
  engine?: string;
  params: Record<string, string>;
  runId?: string;
  targetName: TargetName;
  keep: boolean;
  reporter: Reporter;
  signal: AbortSignal;
  /** Builds the target once the run (and its directory and region) is known. */
  makeTarget(run: { runId: string; dir: string; state?: RunState }): Promise<Target>;
  /** Asked once the lookups are done, before anything is created (every target; only AWS asks); false stops the run. */
  confirm(summary: ConfirmSummary): Promise<boolean>;
  /** What lets a class through the cost guard (--allow-class, --max-hourly, values given with --param). */
  allow?: CostAllowance;
}

const NO_ALLOWANCE: CostAllowance = { classes: [], paramValues: [] };

/** The guard (or the confirmation it asks for) said no before the first create: the run leaves nothing. */
function refusedAtGuard(failure: unknown, state: RunState): boolean {
  return failure !== undefined && state.cost !== undefined && state.cost.passedAt === undefined;
}

export interface ConfirmSummary {
  lab: Lab;
  runId: string;
  engine: string;
  region: string;
  account?: string;
  creates: string[];
  resuming: boolean;
  /** The classes, ACU range and hourly price of what the run is about to create. */
  cost: RunCost;
}

export interface RunLabResult {
  document: RunDocument;
  state: RunState;
  error?: unknown;
}

export function newRunId(): string {
  // A letter first: the id ends up in RDS identifiers, which must start with one.
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(6);
  let id = alphabet[bytes[0]! % 26]!;
  for (let i = 1; i < 6; i++) id += alphabet[bytes[i]! % alphabet.length];
  return id;
}

export function validateRunId(id: string): string {
  if (!/^[a-z][a-z0-9]{2,19}$/.test(id)) {
    throw new UsageError(`--run-id "${id}" is not valid`, { hint: 'use 3-20 lowercase letters and digits, starting with a letter (it becomes part of RDS identifiers)' });
  }
  return id;
}

export async function runLab(opts: RunLabOptions): Promise<RunLabResult> {
  const runId = opts.runId ? validateRunId(opts.runId) : newRunId();
  const dir = runDir(runId);
  const resuming = await runExists(runId);
  let lab: Lab;
  let state: RunState;
  // A refused or failed start leaves nothing: a new run that stops at the cost guard removes its directory.
  let labFileToCopy: string | undefined;

  if (resuming) {
    state = await readState(runId);
    if (state.target !== opts.targetName) {
      throw new StateError(`run ${runId} was started on the ${state.target} target`, { code: 'TARGET_MISMATCH', hint: `resume it with the same target (${state.target === 'dry-run' ? '--dry-run' : state.target === 'local' ? '--local' : 'no flag'})` });
    }
    if (state.status === 'torn-down' || state.status === 'succeeded' || state.teardown?.status === 'done') {
      throw new StateError(`run ${runId} is finished (${state.status})`, { code: 'RUN_FINISHED', hint: 'start a new run without --run-id' });
    }
    lab = parseLab(await readFile(path.join(dir, 'lab.yaml'), 'utf8'), displayPath(state.labFile));
    if (lab.name !== opts.labRef && path.basename(opts.labRef, '.yaml') !== lab.name) {
      throw new StateError(`run ${runId} runs lab ${lab.name}, not ${opts.labRef}`, { code: 'LAB_MISMATCH' });
    }
  } else {
    const loaded = await loadLab(opts.labRef);
    lab = loaded.lab;
    const engine = opts.engine ?? lab.engines[0]!;
    if (!lab.engines.includes(engine as Engine)) {
      throw new UsageError(`lab ${lab.name} does not support engine ${engine}`, { code: 'BAD_ENGINE', hint: `choose one of: ${lab.engines.join(', ')}` });
    }
    const { params, unknown } = resolveParams(lab, opts.params);
    if (unknown.length > 0) {
      throw new UsageError(`unknown --param ${unknown.join(', ')} for lab ${lab.name}`, { code: 'BAD_PARAM', hint: `parameters: ${Object.keys(lab.params).join(', ') || 'none'}` });
    }
    const now = new Date();
    state = {
      version: STATE_VERSION,
      runId,
      lab: lab.name,
      labFile: loaded.file,
      engine,
      target: opts.targetName,
      region: '',
      params,
      status: 'running',
      keep: opts.keep,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + DEFAULT_TTL_HOURS * 3600_000).toISOString(),
      steps: {},
      vars: {},
      measurements: {},
      checks: [],
      resources: [],
    };
    labFileToCopy = loaded.file;
  }

  const target = await opts.makeTarget({ runId, dir, state: resuming ? state : undefined });
  if (target.notice) opts.reporter.emit({ code: 'target.notice', level: 'info', message: target.notice });
  try {
    state.region = target.region;
    if (!resuming) await checkOperations(lab, buildContext(lab, state, target));
    const plan = planRun(lab, state, target.capabilities);
    if (plan.unsupported.length > 0) {
      throw new UsageError(`the ${target.name} target cannot run lab ${lab.name} yet: it does not do ${plan.unsupported.join(', ')}`, {
        code: 'TARGET_UNSUPPORTED',
        hint: target.name === 'local' ? 'rehearse it with --dry-run, or run it on AWS' : undefined,
      });
    }
    if (target.name === 'aws' && !state.account) {
      const who = await target.clients.send('sts', 'GetCallerIdentity', {});
      state.account = String(who.Account ?? '');
      checkAllowedAccount(state.account);
    }
    if (target.capabilities.network && !state.callerCidr && target.callerCidr) state.callerCidr = await target.callerCidr();
    const creates = lab.steps.flatMap((s) => (s.kind === 'aws' && s.creates ? [`${s.creates.type}${s.forEach ? ' (one per item)' : ''}`] : []));
    const summary = { lab, runId, engine: state.engine, region: state.region, account: state.account, creates, resuming };

    // The directory is made now, for the read-only lookups; a start refused at the guard removes it again.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (labFileToCopy) await copyFile(labFileToCopy, path.join(dir, 'lab.yaml'));
    const lock = await acquireLock(dir, runId);
    const ex: Execution = {
      lab,
      state,
      target,
      reporter: opts.reporter,
      signal: opts.signal,
      dir,
      probes: new Map(),
      secrets: new Set(),
      // Real file work: a virtual clock (simulated-AWS timing) must not move while it runs.
      persist: serialized(() =>
        target.clients.clock.during(async () => {
          await target.save();
          await writeState(state, dir);
        }),
      ),
    };
    let failure: unknown;
    let refused = false;
    try {
      state.status = 'running';
      state.keep = opts.keep;
      await ex.persist();
      opts.reporter.emit({ code: 'run.start', level: 'info', message: `${resuming ? 'resuming' : 'starting'} run ${runId}: ${lab.title}`, data: { runId, lab: lab.name, engine: state.engine, target: target.name, region: state.region } });
      const at = guardIndex(lab);
      const guard = (i: number) => (i === at ? passCostGuard(ex, opts.allow ?? NO_ALLOWANCE, (cost) => opts.confirm({ ...summary, cost })) : Promise.resolve());
      try {
        await runSteps(ex, plan, guard);
      } catch (err) {
        failure = err;
      } finally {
        await stopProbes(ex);
      }
      refused = !resuming && state.resources.length === 0 && refusedAtGuard(failure, state);
      const interrupted = failure instanceof UserAbort || opts.signal.aborted;
      if (!refused) {
        state.status = interrupted ? 'interrupted' : failure ? 'failed' : 'succeeded';
        await ex.persist();
        if (!interrupted && !opts.keep) {
          await tearDownRun({ state, target, reporter: opts.reporter, signal: opts.signal, persist: ex.persist });
        }
      }
    } finally {
      await lock.release();
    }
    if (refused) {
      await rm(dir, { recursive: true, force: true });
      if (!(failure instanceof CostGuardError)) throw failure;
      state.status = 'failed';
      return { document: runDocument(lab, state, [], errorInfo(failure, ex.secrets)), state, error: failure };
    }
    const error = failure ? errorInfo(failure, ex.secrets) : undefined;
    return { document: runDocument(lab, state, renderReport(ex), error, renderTitles(ex)), state, error: failure };
  } finally {
    await target.close();
  }
}

function errorInfo(err: unknown, secrets: Set<string>): RunDocument['error'] {
  const message = redact(errorMessage(err), [...secrets]);
  if (err instanceof AuroraLabError) return { code: err.code, message, ...(err.hint ? { hint: err.hint } : {}), ...(err.details.length ? { details: err.details.map((d) => redact(d, [...secrets])) } : {}) };
  return { code: 'INTERNAL', message };
}

/**
 * Every AWS operation a lab names must exist in its SDK client: caught before anything is created.
 * Steps this target will certainly skip (a `when` on the target alone, like `target.network` on the
 * local target) are not checked here: that would load their SDK clients (EC2 alone costs ~0.8 s) for
 * nothing. The dry run of every lab in the test suite checks them all.
 */
async function checkOperations(lab: Lab, ctx: RunContext): Promise<void> {
  const { operationExists } = await import('../sim/shapes.js');
  const { SERVICES } = await import('../sim/services.js');
  const problems: string[] = [];
  for (const step of lab.steps) {
    if (step.when && !/\bvars\./.test(step.when) && !truthy(evaluate(step.when, ctx))) continue;
    if (step.kind === 'aws' || step.kind === 'poll') {
      if (!(await operationExists(step.service, step.operation))) problems.push(`step ${step.id}: ${SERVICES[step.service].pkg} has no operation ${step.operation}`);
    }
    if (step.kind === 'wait') {
      const mod = await SERVICES[step.service].load();
      if (typeof mod[`waitUntil${step.waiter}`] !== 'function') problems.push(`step ${step.id}: ${SERVICES[step.service].pkg} has no waiter ${step.waiter}`);
    }
  }
  if (problems.length > 0) {
    throw new LabFileError(`lab ${lab.name} names AWS operations that do not exist`, { details: problems, hint: 'operation names are the SDK command names without "Command"' });
  }
}

/** AURORA_LAB_ALLOWED_ACCOUNTS (comma-separated) refuses any other account before anything is done. */
export function checkAllowedAccount(account: string): void {
  const allowed = (process.env.AURORA_LAB_ALLOWED_ACCOUNTS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (allowed.length > 0 && !allowed.includes(account)) {
    throw new UsageError(`account ${account} is not in AURORA_LAB_ALLOWED_ACCOUNTS (${allowed.join(', ')})`, {
      code: 'ACCOUNT_NOT_ALLOWED',
      hint: 'switch --profile, or add the account to AURORA_LAB_ALLOWED_ACCOUNTS',
    });
  }
}

/**
 * Saves from parallel work (instances created together) run one after another, and a save asked for
 * while one is running is folded into the next: the last write always holds the newest state.
 */
export function serialized(save: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  return () => {
    if (queued) return queued;
    if (!running) {
      running = save().finally(() => (running = undefined));
      return running;
    }
    queued = running.catch(() => {}).then(() => {
      queued = undefined;
      running = save().finally(() => (running = undefined));
      return running;
    });
    return queued;
  };
}
