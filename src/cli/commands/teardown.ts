import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, StateError, UsageError, UserAbort, errorMessage, type ExitCodeValue } from '../../errors.js';
import type { Reporter } from '../../events.js';
import type { Target, TargetName } from '../../engine/target.js';
import type { FoundRun } from '../../engine/teardown-all.js';
import type { LeftAlone } from '../../engine/teardown/rds-log-groups.js';
import { HumanReporter } from '../../output/human-reporter.js';
import { printJson, printText } from '../../output/print.js';
import { outputSettings } from '../../output/style.js';
import { acquireLock } from '../../state/lock.js';
import { homeDir, runDir, runsDir } from '../../state/paths.js';
import { latestRun, listRuns, readState, runExists, writeState, type RunState } from '../../state/run-state.js';
import { confirm } from '../confirm.js';
import { withInterrupt } from '../interrupt.js';
import { checkRegion, simulatedRegion, type GlobalOptions } from '../settings.js';
import { makeTarget, targetNameFrom } from '../targets.js';

export const hasLiveResources = (s: RunState) => s.resources.some((r) => r.status !== 'deleted');

interface TeardownOptions {
  all?: boolean;
  expired?: boolean;
  dryRun?: boolean;
  local?: boolean;
  /** --regions, each a region or a comma list (repeatable). */
  regions?: string[];
}

/** --regions a,b --regions c -> [a, b, c], each checked. */
export function extraRegions(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((r) => r.trim()).filter((r) => r.length > 0).map(checkRegion);
}

/** The regions a run state names: its own and those of its resources. */
const regionsOf = (s: Pick<RunState, 'region' | 'resources'>) => [s.region, ...s.resources.map((r) => r.region)].filter((r): r is string => typeof r === 'string' && r.length > 0);

export async function teardownCommand(g: GlobalOptions, runId: string | undefined, o: TeardownOptions): Promise<ExitCodeValue> {
  if (o.regions?.length && !o.all) throw new UsageError('--regions works with --all only', { code: 'BAD_OPTIONS', hint: 'a run is torn down in the regions it recorded: `aurora-lab teardown <run-id>`' });
  if (o.expired && !o.all) throw new UsageError('--expired works with --all only', { code: 'BAD_OPTIONS', hint: 'run `aurora-lab teardown --all --expired`' });
  if (o.all && runId) throw new UsageError('give a run id or --all, not both', { code: 'BAD_OPTIONS', hint: '`aurora-lab teardown <run-id>` for one run, `aurora-lab teardown --all` for every tagged resource' });
  if (o.all) return teardownAllCommand(g, o);
  if (o.dryRun || o.local) targetNameFrom(o); // refuses --dry-run with --local; a run knows its own target
  return teardownOneCommand(g, runId);
}

async function teardownOneCommand(g: GlobalOptions, runId: string | undefined): Promise<ExitCodeValue> {
  const settings = outputSettings(g);
  const state = runId ? await readState(runId) : await latestRun(hasLiveResources);
  const dir = runDir(state.runId);
  const reporter = new HumanReporter(settings);
  await reporter.init();
  const live = state.resources.filter((r) => r.status !== 'deleted');
  const lock = await acquireLock(dir, state.runId);
  try {
    const target = await makeTarget(state.target, { ...g, profile: g.profile ?? state.profile }, { dir, region: state.region });
    try {
      if (target.name === 'aws') {
        // The credentials in use now decide the account, not the one recorded when the run started.
        const account = await accountOf(target);
        const { checkAllowedAccount } = await import('../../engine/run-lab.js');
        checkAllowedAccount(account);
        if (state.account && account !== state.account) {
          throw new UsageError(`run ${state.runId} was made in account ${state.account}, but these credentials are for account ${account}`, {
            code: 'ACCOUNT_MISMATCH',
            hint: 'use the --profile the run was made with',
          });
        }
        if (live.length > 0) {
          process.stderr.write(`Delete ${live.length} resource(s) of run ${state.runId} (${state.lab}) in account ${account}, region ${state.region}:\n${live.map((r) => `  ${r.type} ${r.id} (${r.region})`).join('\n')}\n`);
          if (!(await confirm('Delete them?', g.yes, 'Deleting AWS resources'))) throw new UserAbort('not confirmed: nothing was deleted');
        }
      }
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

/** One account to search: the AWS account, the local server, or one dry run's simulated account. */
export interface Scope {
  target: Target;
  account: string;
  /** The command's region (the dry run's: its run's region). */
  region: string;
  /**
   * Every region searched: the command's, those the run states of this target (a dry run: of this
   * account's run) name, the local server's (every region it was asked about), --regions, and the
   * regions of global cluster members (searchRegions).
   */
  regions: string[];
  /** The dry run whose sim.json this account is. */
  simRunId?: string;
}

export async function accountOf(target: Target): Promise<string> {
  const who = await target.clients.send('sts', 'GetCallerIdentity', {});
  return String(who.Account ?? '');
}

/**
 * Calls fn with each account the target name stands for: AWS (after the allowed-accounts check), the
 * local server, or every dry run's own simulated account (each run directory keeps one in sim.json),
 * with the regions to search in it.
 */
export async function forEachScope(g: GlobalOptions, name: TargetName, fn: (scope: Scope) => Promise<void>, o: { regions?: string[]; signal?: AbortSignal } = {}): Promise<void> {
  const extra = extraRegions(o.regions);
  const { searchRegions } = await import('../../engine/teardown-all.js');
  const regionsFor = (target: Target, states: Pick<RunState, 'region' | 'resources'>[]) => searchRegions(target.clients, [target.region, ...states.flatMap(regionsOf), ...extra], o.signal);
  if (name === 'dry-run') {
    const names = (await readdir(runsDir()).catch(() => [] as string[])).sort();
    for (const id of names) {
      const dir = runDir(id);
      if (!(await stat(path.join(dir, 'sim.json')).catch(() => undefined))) continue;
      const state = (await runExists(id)) ? await readState(id).catch(() => undefined) : undefined;
      const target = await makeTarget('dry-run', g, { dir, region: state?.region || simulatedRegion(g) });
      try {
        await fn({ target, account: await accountOf(target), region: target.region, regions: await regionsFor(target, state ? [state] : []), simRunId: id });
      } finally {
        await target.close();
      }
    }
    return;
  }
  const target = await makeTarget(name, g, { dir: homeDir() });
  try {
    let account: string;
    if (name === 'aws') {
      account = await accountOf(target);
      const { checkAllowedAccount } = await import('../../engine/run-lab.js');
      checkAllowedAccount(account);
    } else {
      account = await accountOf(target).catch(() => 'local');
    }
    const states = (await listRuns()).runs.filter((s) => s.target === name);
    // The local server knows every region it has been asked about: a run whose directory is gone is found there too.
    const served = name === 'local' ? ((await import('../../local/daemon/daemon-files.js')).readServerInfo(path.join(homeDir(), 'local'))?.regions ?? []) : [];
    await fn({ target, account, region: target.region, regions: await regionsFor(target, [...states, ...served.map((region) => ({ region, resources: [] }))]) });
  } finally {
    await target.close();
  }
}

interface RunOutcome {
  runId: string;
  lab?: string;
  expiresAt?: string;
  localState: boolean;
  deleted: { type: string; id: string; region: string }[];
  failed: { type: string; id: string; region: string; error: string }[];
}

async function teardownAllCommand(g: GlobalOptions, o: TeardownOptions): Promise<ExitCodeValue> {
  const name = targetNameFrom(o);
  const settings = outputSettings(g);
  const reporter = new HumanReporter(settings);
  await reporter.init();
  const { findTaggedResources, isExpired } = await import('../../engine/teardown-all.js');
  const scopes: { account: string; region: string; regions: string[]; simRunId?: string; runs: RunOutcome[]; skipped: number; leftAlone: LeftAlone[] }[] = [];

  await withInterrupt(reporter, (signal) =>
    forEachScope(g, name, async (scope) => {
      const found = await findTaggedResources(scope.target.clients, scope.regions, signal);
      const chosen = o.expired ? found.runs.filter((r) => isExpired(r)) : found.runs;
      const entry = { account: scope.account, region: scope.region, regions: scope.regions, ...(scope.simRunId ? { simRunId: scope.simRunId } : {}), runs: [] as RunOutcome[], skipped: found.runs.length - chosen.length, leftAlone: found.leftAlone };
      scopes.push(entry);
      // RDS's own log groups of a run's clusters: named so the learner can delete them, never deleted here.
      for (const l of found.leftAlone) process.stderr.write(`Left alone: ${l.type} ${l.id} (${l.region}) of run ${l.runId}: ${l.reason}; delete it with \`aws logs delete-log-group --log-group-name ${l.id}\` if you do not need it\n`);
      if (chosen.length === 0) return;
      const count = chosen.reduce((n, r) => n + r.resources.length, 0);
      process.stderr.write(
        `${name === 'dry-run' ? `Simulated account of dry run ${scope.simRunId}` : name === 'local' ? 'Local target' : 'AWS'}: account ${scope.account}, region(s) ${scope.regions.join(', ')}\n` +
          `Delete ${count} resource(s) tagged ${'aurora-lab:run-id'} of ${chosen.length} run(s)${o.expired ? ' past their expiry' : ''}:\n` +
          chosen.map((r) => `  run ${r.runId}${r.lab ? ` (${r.lab})` : ''}${r.expiresAt ? `, expires ${r.expiresAt}` : ''}\n${r.resources.map((x) => `    ${x.type} ${x.id} (${x.region})`).join('\n')}`).join('\n') +
          '\n',
      );
      if (name === 'aws' && !(await confirm('Delete them?', g.yes, 'Deleting AWS resources'))) throw new UserAbort('not confirmed: nothing was deleted');
      for (const run of chosen) entry.runs.push(await teardownFoundRun(scope, run, reporter, signal));
    }, { regions: o.regions, signal }),
  );

  const runs = scopes.flatMap((s) => s.runs);
  const failed = runs.filter((r) => r.failed.length > 0);
  if (g.json) {
    printJson({ target: name, expiredOnly: o.expired === true, ok: failed.length === 0, scopes });
  } else if (runs.length === 0) {
    printText(`Nothing to delete: no ${o.expired ? 'expired ' : ''}aurora-lab resources found (${scopes.length} account(s) searched; region(s) ${[...new Set(scopes.flatMap((s) => s.regions))].join(', ') || '-'}).`);
  } else {
    printText(
      runs
        .map((r) => (r.failed.length === 0 ? `Run ${r.runId}: deleted ${r.deleted.length} resource(s).` : `Run ${r.runId}: ${r.failed.length} resource(s) could not be deleted:\n${r.failed.map((f) => `  ${f.type} ${f.id}: ${f.error}`).join('\n')}`))
        .join('\n'),
    );
  }
  if (failed.length > 0) {
    throw new StateError(`teardown --all left resources of ${failed.length} run(s)`, { code: 'TEARDOWN_INCOMPLETE', hint: 'run `aurora-lab teardown --all` again; it is safe to repeat' });
  }
  return ExitCode.ok;
}

/** One run's tagged resources, under its own run id; the run's local state (if any) is updated too. */
async function teardownFoundRun(scope: Scope, run: FoundRun, reporter: Reporter, signal: AbortSignal): Promise<RunOutcome> {
  const { recordsOf, mergeRecords } = await import('../../engine/teardown-all.js');
  const outcome: RunOutcome = { runId: run.runId, lab: run.lab, expiresAt: run.expiresAt, localState: false, deleted: [], failed: [] };
  let state: RunState | undefined;
  const validId = /^[a-z][a-z0-9]{2,19}$/.test(run.runId);
  if (validId && (await runExists(run.runId))) {
    const s = await readState(run.runId).catch(() => undefined);
    // The same run id on another target is another run's namesake: its state is left alone.
    if (s && s.target === scope.target.name && (scope.simRunId === undefined || scope.simRunId === s.runId)) state = s;
  }
  outcome.localState = state !== undefined;
  let lock: Awaited<ReturnType<typeof acquireLock>> | undefined;
  if (state) {
    try {
      lock = await acquireLock(runDir(run.runId), run.runId);
    } catch (err) {
      outcome.failed = run.resources.map((r) => ({ type: r.type, id: r.id, region: r.region, error: errorMessage(err) }));
      return outcome;
    }
  }
  try {
    const resources = mergeRecords(state ? state.resources : [], recordsOf(run, state?.resources));
    const persist = async () => {
      await scope.target.save();
      if (state) await writeState(state, runDir(state.runId));
    };
    const { recordedTeardown, waiterDelaysOf } = await import('../../engine/teardown-run.js');
    const { teardownResources } = await import('../../engine/teardown/run-teardown.js');
    const result = await recordedTeardown(state, persist, () =>
      teardownResources({ runId: run.runId, resources, clients: scope.target.clients, reporter, signal, waiterDelays: waiterDelaysOf(scope.target), onChange: persist }),
    );
    outcome.deleted = result.deleted.map((r) => ({ type: r.type, id: r.id, region: r.region }));
    outcome.failed = result.failed.map((f) => ({ type: f.resource.type, id: f.resource.id, region: f.resource.region, error: f.error }));
    await persist();
    return outcome;
  } finally {
    await lock?.release();
  }
}
