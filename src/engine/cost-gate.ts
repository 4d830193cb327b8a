/**
 * The cost guard inside a run: right before the first step that may create anything, price what the
 * lab is about to create (its lookups are done by then), record it, stop on what is not allowed, and
 * only then ask for confirmation. A resumed run that already passed with the same classes goes on.
 */
import { UserAbort } from '../errors.js';
import { awsErrorCode } from '../aws/errors.js';
import { priceTable } from '../labs/estimate.js';
import { buildContext } from './context.js';
import { costGuardError, costKey, costProblems, priceRun, type CostAllowance, type EngineLifecycle, type LifecycleLookup, type RunCost } from './cost-guard.js';
import { guardIndex, plannedCreates } from './cost-plan.js';
import type { Execution } from './execution.js';

export async function passCostGuard(ex: Execution, allow: CostAllowance, confirm: (cost: RunCost) => Promise<boolean>): Promise<void> {
  const planned = plannedCreates(ex.lab, buildContext(ex.lab, ex.state, ex.target), guardIndex(ex.lab));
  const cost = await priceRun(ex.lab, ex.state.engine, planned, priceTable(), lifecycleLookup(ex));
  const key = costKey(cost);
  const passed = ex.state.cost?.passedAt !== undefined && ex.state.cost.key === key;
  // The guard prices every target alike (so a dry run proves it); off AWS the figure is what the run would cost there.
  const where = ex.state.target === 'aws' ? '' : ` (on AWS; this ${ex.state.target === 'local' ? 'local' : 'dry'} run is free)`;
  ex.reporter.emit({ code: 'run.cost', level: 'info', message: `${costSummary(cost)}${where}${passed ? ' (allowed when the run started)' : ''}`, data: cost });
  if (passed) return;
  ex.state.cost = { ...cost, key };
  // The lab's own class parameters are how a learner names a class (instanceClass, sourceClass ...).
  const problems = costProblems(cost, planned, allow, Object.keys(ex.lab.params).filter((k) => /class$/i.test(k)));
  if (problems.length > 0) throw costGuardError(problems);
  if (!(await confirm(cost))) throw new UserAbort('not confirmed: nothing was created');
  ex.state.cost.passedAt = new Date().toISOString();
  await ex.persist();
}

/**
 * DescribeDBMajorEngineVersions says when a major version leaves RDS standard support. A simulated
 * control plane that does not model the operation answers InvalidAction (AWS always knows it): the
 * guard then reports Extended Support as not known rather than guessing.
 */
function lifecycleLookup(ex: Execution): LifecycleLookup {
  return async (engine, major) => {
    try {
      const out = await ex.target.clients.send('rds', 'DescribeDBMajorEngineVersions', { Engine: engine, MajorEngineVersion: major }, { signal: ex.signal });
      const row = (out.DBMajorEngineVersions as { SupportedEngineLifecycles?: EngineLifecycle[] }[] | undefined)?.[0];
      return row?.SupportedEngineLifecycles?.length ? row.SupportedEngineLifecycles : undefined;
    } catch (err) {
      if (awsErrorCode(err) === 'InvalidAction') return undefined;
      throw err;
    }
  };
}

const usd = (n: number | null) => (n === null ? 'price unknown' : `$${n < 1 ? n.toFixed(3) : n.toFixed(2)}`);

/** The figures in a line each, for the confirmation and the run's progress output. */
export function costLines(cost: RunCost): string[] {
  const lines = cost.classes.map((c) => {
    const es = c.extendedSupport ? `, with RDS Extended Support for ${c.engine} ${c.extendedSupport.majorVersion} (${c.extendedSupport.band}: ${usd(c.extendedSupport.hourly)}/h)` : c.extendedSupportUnknown ? ' (RDS Extended Support: not known on this target)' : '';
    return `${c.count} × ${c.class} (${c.engine}) at ${c.hourly === null ? 'a price not in the price table' : `${usd(c.hourly)}/h`}${es}`;
  });
  if (cost.acu) lines.push(`${cost.acu.instances} × db.serverless, ${cost.acu.min}-${cost.acu.max} ACU at ${usd(cost.acu.acuHour)}/ACU-h: up to ${usd(cost.acu.hourlyAtMax)}/h`);
  lines.push(`total ${cost.hourlyTotal === null ? 'not known (a class has no price)' : `${usd(cost.hourlyTotal)}/h`} while it runs (prices of ${cost.prices.date}, us-east-1 on-demand)`);
  return lines;
}

export function costSummary(cost: RunCost): string {
  return `cost of what this run creates: ${costLines(cost).join('; ')}`;
}
