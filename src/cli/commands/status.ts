import { ExitCode, UsageError, type ExitCodeValue } from '../../errors.js';
import { accruedDollars } from '../../labs/estimate.js';
import { printJson, printText, table } from '../../output/print.js';
import { makeChalk, outputSettings } from '../../output/style.js';
import { isDriven } from '../../state/lock.js';
import { runDir } from '../../state/paths.js';
import { listRuns } from '../../state/run-state.js';
import type { LeftAlone } from '../../engine/teardown/rds-log-groups.js';
import type { GlobalOptions } from '../settings.js';
import { targetNameFrom } from '../targets.js';

interface AccountRun {
  account: string;
  region: string;
  simRunId?: string;
  runId: string;
  lab?: string;
  expiresAt?: string;
  expired: boolean;
  localState: boolean;
  /** The regions the run's resources are in (a global database's: more than one). */
  regions: string[];
  resources: { type: string; id: string; region: string; status?: string }[];
}

export async function statusCommand(g: GlobalOptions, o: { all?: boolean; dryRun?: boolean; local?: boolean; regions?: string[] }): Promise<ExitCodeValue> {
  if (o.regions?.length && !o.all) throw new UsageError('--regions works with --all only', { code: 'BAD_OPTIONS', hint: 'aurora-lab status --all --regions us-east-1,eu-west-1' });
  const { runs, unreadable } = await listRuns();
  // A run left "running" (or "tearing-down") by a process that is gone reads as interrupted: resume it or tear it down.
  const inFlight = (status: string) => status === 'running' || status === 'tearing-down';
  const driven = new Map(await Promise.all(runs.filter((s) => inFlight(s.status)).map(async (s) => [s.runId, await isDriven(runDir(s.runId))] as const)));
  const rows = runs.map((s) => {
    const live = s.resources.filter((r) => r.status !== 'deleted');
    const instances = live.filter((r) => r.type === 'db-instance').map(() => ({ instanceClass: String(s.params.instanceClass || 'db.t4g.medium') }));
    return {
      runId: s.runId,
      lab: s.lab,
      engine: s.engine,
      target: s.target,
      region: s.region,
      status: inFlight(s.status) && driven.get(s.runId) === false ? 'interrupted' : s.status,
      createdAt: s.createdAt,
      expiresAt: s.expiresAt,
      liveResources: live.map((r) => ({ type: r.type, id: r.id, region: r.region })),
      checks: { passed: s.checks.filter((c) => c.passed).length, total: s.checks.length },
      accruedDollars: s.target === 'aws' && instances.length > 0 ? accruedDollars(instances, s.createdAt) : 0,
    };
  });
  const inAccount = o.all ? await findInAccounts(g, o, new Set(runs.map((r) => r.runId))) : undefined;
  if (g.json) {
    printJson({ runs: rows, unreadable, ...(inAccount ? { account: inAccount } : {}) });
    return ExitCode.ok;
  }
  const c = makeChalk(outputSettings(g));
  if (rows.length === 0) {
    printText('No runs yet. Try: aurora-lab run cluster-launch --dry-run');
  } else {
    const out = [['RUN', 'LAB', 'TARGET', 'STATUS', 'LIVE', 'CHECKS', 'COST SO FAR', 'STARTED'].map((h) => c.bold(h))];
    for (const r of rows) {
      out.push([r.runId, r.lab, r.target, r.status, r.liveResources.length ? c.yellow(String(r.liveResources.length)) : '0', `${r.checks.passed}/${r.checks.total}`, r.target === 'aws' ? `$${r.accruedDollars.toFixed(2)}` : '-', r.createdAt.replace('T', ' ').slice(0, 16)]);
    }
    printText(table(out));
  }
  if (inAccount) {
    if (inAccount.runs.length === 0) {
      printText(`\nNo aurora-lab resources in ${inAccount.target === 'dry-run' ? 'the dry runs\' simulated accounts' : `account ${inAccount.accounts.join(', ')}`} (region(s) ${inAccount.regions.join(', ') || '-'}).`);
    } else {
      const out = [['RUN', 'LAB', 'ACCOUNT', 'REGIONS', 'RESOURCES', 'EXPIRES', 'LOCAL STATE'].map((h) => c.bold(h))];
      for (const r of inAccount.runs) {
        out.push([r.runId, r.lab ?? '?', r.account, r.regions.join(', '), String(r.resources.length), r.expiresAt ? `${r.expiresAt.replace('T', ' ').slice(0, 16)}${r.expired ? c.red(' (expired)') : ''}` : '-', r.localState ? 'yes' : c.yellow('no')]);
      }
      printText(`\nTagged aurora-lab resources found in the account:\n${table(out)}\nDelete them: aurora-lab teardown --all${inAccount.target === 'dry-run' ? ' --dry-run' : inAccount.target === 'local' ? ' --local' : ''}${o.regions?.length ? ` --regions ${o.regions.join(',')}` : ''} (--expired: only runs past their expiry)`);
    }
  }
  for (const l of inAccount?.leftAlone ?? []) printText(`Left alone: ${l.type} ${l.id} (${l.region}) of run ${l.runId}: ${l.reason}`);
  for (const u of unreadable) process.stderr.write(`${c.yellow('warning:')} run ${u.runId}: ${u.error}\n`);
  return ExitCode.ok;
}

async function findInAccounts(g: GlobalOptions, o: { dryRun?: boolean; local?: boolean; regions?: string[] }, local: Set<string>) {
  const name = targetNameFrom(o);
  const { forEachScope } = await import('./teardown.js');
  const { findTaggedResources, isExpired } = await import('../../engine/teardown-all.js');
  const found: AccountRun[] = [];
  const leftAlone: (LeftAlone & { account: string })[] = [];
  const accounts = new Set<string>();
  const regions = new Set<string>();
  await forEachScope(g, name, async (scope) => {
    accounts.add(scope.account);
    for (const r of scope.regions) regions.add(r);
    const { runs, leftAlone: untagged } = await findTaggedResources(scope.target.clients, scope.regions);
    leftAlone.push(...untagged.map((l) => ({ ...l, account: scope.account })));
    for (const r of runs) {
      found.push({
        account: scope.account,
        region: scope.region,
        ...(scope.simRunId ? { simRunId: scope.simRunId } : {}),
        runId: r.runId,
        lab: r.lab,
        expiresAt: r.expiresAt,
        expired: isExpired(r),
        localState: local.has(r.runId),
        regions: [...new Set(r.resources.map((x) => x.region))].sort(),
        resources: r.resources.map((x) => ({ type: x.type, id: x.id, region: x.region, status: x.status })),
      });
    }
  }, { regions: o.regions });
  return { target: name, accounts: [...accounts], regions: [...regions], runs: found, leftAlone };
}
