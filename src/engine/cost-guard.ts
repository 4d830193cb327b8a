/**
 * The cost guard: prices what a run is about to create (cost-plan.ts) from labs/prices.json, adds RDS
 * Extended Support where a source's major version is past standard support, and stops the run before
 * its first create when a class is not in the price table or costs more than the lab's estimate
 * assumed. Only an explicit allowance lets such a class through; --yes never does.
 */
import { CostGuardError } from '../errors.js';
import type { Lab } from '../labs/schema.js';
import { estimateClass, type PriceTable } from '../labs/estimate.js';
import type { PlannedCreates } from './cost-plan.js';

/** One entry of DescribeDBMajorEngineVersions' SupportedEngineLifecycles. */
export interface EngineLifecycle {
  LifecycleSupportName: string;
  LifecycleSupportStartDate?: Date | string;
  LifecycleSupportEndDate?: Date | string;
}

/** SupportedEngineLifecycles of an RDS engine's major version; undefined where the target cannot say. */
export type LifecycleLookup = (engine: string, majorVersion: string) => Promise<EngineLifecycle[] | undefined>;

export interface ClassCost {
  class: string;
  engine: string;
  count: number;
  /** Price of one instance an hour, Extended Support included; null when the price table does not know the class. */
  hourly: number | null;
  /** RDS Extended Support an hour, per instance, where it applies; null if it applies but the class's vCPUs are unknown. */
  extendedSupport?: { majorVersion: string; band: 'year1-2' | 'year3'; hourly: number | null };
  /** Extended Support could not be decided (the target does not answer DescribeDBMajorEngineVersions). */
  extendedSupportUnknown?: true;
}

export interface RunCost {
  classes: ClassCost[];
  acu?: { min: number; max: number; instances: number; acuHour: number; hourlyAtMax: number };
  /** Every instance an hour, Serverless v2 at MaxCapacity; null when any part has no price or no class. */
  hourlyTotal: number | null;
  /** What the lab file's estimate assumed, for comparison. */
  estimate: { instanceClass: string; hourly: number | null; maxAcu: number };
  prices: { source: string; date: string };
}

export interface CostAllowance {
  /** --allow-class: these classes pass whatever they cost, priced or not. */
  classes: string[];
  /** --max-hourly: priced classes and ACU ranges pass while the run's hourly total stays within it. */
  maxHourly?: number;
  /** Values the learner gave with --param: a priced class named there was chosen knowingly. */
  paramValues: string[];
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

export async function priceRun(lab: Lab, engine: string, planned: PlannedCreates, prices: PriceTable, lifecycles: LifecycleLookup, now = Date.now()): Promise<RunCost> {
  const classes: ClassCost[] = [];
  let serverless = 0;
  for (const inst of planned.instances) {
    if (inst.instanceClass === 'db.serverless') {
      serverless++;
      continue;
    }
    const aurora = inst.engine.startsWith('aurora');
    const es = !aurora && inst.engine !== '' && inst.lifecycleSupport !== 'open-source-rds-extended-support-disabled' ? await extendedSupport(inst.engine, inst.engineVersion, inst.instanceClass, prices, lifecycles, now) : undefined;
    const key = `${inst.instanceClass}|${inst.engine}|${es?.kind === 'applies' ? es.cost.majorVersion : ''}`;
    const found = classes.find((c) => `${c.class}|${c.engine}|${c.extendedSupport?.majorVersion ?? ''}` === key);
    if (found) {
      found.count++;
      continue;
    }
    const base = prices.instanceHour[inst.instanceClass];
    const esHourly = es?.kind === 'applies' ? es.cost.hourly : 0;
    classes.push({
      class: inst.instanceClass,
      engine: inst.engine,
      count: 1,
      hourly: base === undefined || esHourly === null ? null : round(base + esHourly),
      ...(es?.kind === 'applies' ? { extendedSupport: es.cost } : {}),
      ...(es?.kind === 'unknown' ? { extendedSupportUnknown: true as const } : {}),
    });
  }
  let acu: RunCost['acu'];
  if (serverless > 0 || planned.capacities.length > 0) {
    const min = planned.capacities.length ? Math.min(...planned.capacities.map((c) => c.min)) : 0;
    const max = planned.capacities.length ? Math.max(...planned.capacities.map((c) => c.max)) : 0;
    acu = { min, max, instances: serverless, acuHour: prices.acuHour, hourlyAtMax: round(serverless * max * prices.acuHour) };
  }
  const parts = classes.map((c) => (c.hourly === null ? null : c.hourly * c.count));
  const hourlyTotal = parts.includes(null) || planned.unresolved.length > 0 ? null : round(parts.reduce<number>((a, b) => a + b!, 0) + (acu?.hourlyAtMax ?? 0));
  const estClass = estimateClass(lab, engine);
  return {
    classes,
    ...(acu ? { acu } : {}),
    hourlyTotal,
    estimate: { instanceClass: estClass, hourly: prices.instanceHour[estClass] ?? null, maxAcu: lab.estimate.maxAcu ?? 0 },
    prices: { source: prices.source, date: prices.date },
  };
}

type EsResult = { kind: 'applies'; cost: NonNullable<ClassCost['extendedSupport']> } | { kind: 'standard' } | { kind: 'unknown' };

async function extendedSupport(engine: string, version: string | undefined, cls: string, prices: PriceTable, lifecycles: LifecycleLookup, now: number): Promise<EsResult> {
  if (!version) return { kind: 'unknown' };
  const major = majorVersion(engine, version);
  const cycles = await lifecycles(engine, major);
  if (!cycles) return { kind: 'unknown' };
  const at = (d: Date | string | undefined) => (d === undefined ? NaN : new Date(d).getTime());
  const standard = cycles.find((c) => c.LifecycleSupportName === 'open-source-rds-standard-support');
  const extended = cycles.find((c) => c.LifecycleSupportName === 'open-source-rds-extended-support');
  const standardEnds = at(standard?.LifecycleSupportEndDate);
  const past = Number.isFinite(standardEnds) ? now > standardEnds : extended !== undefined && at(extended.LifecycleSupportStartDate) <= now;
  if (!past) return { kind: 'standard' };
  const started = Number.isFinite(at(extended?.LifecycleSupportStartDate)) ? at(extended!.LifecycleSupportStartDate) : standardEnds;
  const band = now - started >= 2 * 365.25 * 86_400_000 ? 'year3' : 'year1-2';
  const vcpus = prices.vcpus?.[cls];
  const rate = prices.extendedSupport?.vcpuHour[band];
  return { kind: 'applies', cost: { majorVersion: major, band, hourly: vcpus === undefined || rate === undefined ? null : round(vcpus * rate) } };
}

/** RDS's major version: PostgreSQL 10+ is the first number, MySQL (and PostgreSQL 9.x) the first two. */
export function majorVersion(engine: string, version: string): string {
  const parts = version.split('.');
  if (engine.includes('postgres') && Number(parts[0]) >= 10) return parts[0]!;
  return parts.slice(0, 2).join('.');
}

/**
 * The guard's verdict: every reason the run may not go on, each naming the class, its price and the
 * allowance that lets it through. Empty means the run may ask for confirmation.
 */
export function costProblems(cost: RunCost, planned: PlannedCreates, allow: CostAllowance, classParams: string[] = ['instanceClass']): string[] {
  const named = allow.paramValues.filter((v) => v.startsWith('db.'));
  const problems = planned.unresolved.map((p) => (named.length ? `${p} (--param named ${named.join(', ')})` : p));
  const within = allow.maxHourly !== undefined && cost.hourlyTotal !== null && cost.hourlyTotal <= allow.maxHourly + 1e-9;
  const estimate = cost.estimate.hourly;
  for (const c of cost.classes) {
    if (allow.classes.includes(c.class)) continue;
    if (c.hourly === null) {
      const why = c.extendedSupport && c.extendedSupport.hourly === null ? `its RDS Extended Support (${c.engine} ${c.extendedSupport.majorVersion} is past standard support) cannot be priced: its vCPUs are not in the price table` : 'not in the price table';
      problems.push(`${c.class} (${c.engine}): ${why}. Check its price at aws.amazon.com/rds/pricing, then allow it with --allow-class ${c.class}`);
      continue;
    }
    if (estimate !== null && c.hourly <= estimate + 1e-9) continue;
    if (within || allow.paramValues.includes(c.class)) continue;
    const es = c.extendedSupport ? `, of which $${c.extendedSupport.hourly}/h is RDS Extended Support for ${c.engine} ${c.extendedSupport.majorVersion}` : '';
    problems.push(
      `${c.class} (${c.engine}) costs $${c.hourly}/h an instance${es}, more than the ${estimate === null ? 'unpriced' : `$${estimate}/h`} ${cost.estimate.instanceClass} the lab's estimate assumes. ` +
        `Allow it by naming it (${classParams.length ? classParams.map((k) => `--param ${k}=${c.class}`).join(' or ') : 'with --param'}), with --allow-class ${c.class}, or with --max-hourly ${cost.hourlyTotal}`,
    );
  }
  if (cost.acu && cost.acu.instances > 0 && cost.acu.max > cost.estimate.maxAcu && !within) {
    problems.push(
      `Serverless v2 up to ${cost.acu.max} ACU costs up to $${cost.acu.hourlyAtMax}/h, more than the ${cost.estimate.maxAcu} ACU the lab's estimate assumes. Allow it with --max-hourly ${cost.hourlyTotal ?? cost.acu.hourlyAtMax}`,
    );
  }
  if (allow.maxHourly !== undefined && cost.hourlyTotal !== null && cost.hourlyTotal > allow.maxHourly + 1e-9) {
    problems.push(`the run costs $${cost.hourlyTotal}/h, more than --max-hourly ${allow.maxHourly}`);
  }
  return problems;
}

export function costGuardError(problems: string[]): CostGuardError {
  return new CostGuardError(`the cost guard stopped the run before its first create: ${problems.length === 1 ? 'one class is' : `${problems.length} problems are`} not allowed`, {
    details: problems,
    hint: '--yes alone never allows a class the price table does not know or one dearer than the estimate; nothing was created',
  });
}

/** What must match for a resumed run that already passed the guard to go on without asking again. */
export function costKey(cost: RunCost): string {
  const classes = cost.classes.map((c) => `${c.count}x${c.class}/${c.engine}/${c.hourly}`).sort();
  return JSON.stringify({ classes, acu: cost.acu ? [cost.acu.instances, cost.acu.min, cost.acu.max] : null });
}
