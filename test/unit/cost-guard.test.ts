import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildContext } from '../../src/engine/context.js';
import { costProblems, majorVersion, priceRun, type CostAllowance, type EngineLifecycle, type LifecycleLookup } from '../../src/engine/cost-guard.js';
import { guardIndex, plannedCreates, type PlannedCreates } from '../../src/engine/cost-plan.js';
import { runLab, type ConfirmSummary } from '../../src/engine/run-lab.js';
import { dryRunTarget } from '../../src/engine/targets/dry-run.js';
import { CostGuardError } from '../../src/errors.js';
import type { LabEvent } from '../../src/events.js';
import { priceTable, type PriceTable } from '../../src/labs/estimate.js';
import { labsDir, parseLab } from '../../src/labs/loader.js';
import type { Lab } from '../../src/labs/schema.js';
import type { SimCall } from '../../src/sim/types.js';
import type { RunState } from '../../src/state/run-state.js';
import { useTempLabHome } from '../helpers/temp-lab-home.js';

const lab = (name: string): Lab => parseLab(readFileSync(path.join(labsDir(), `${name}.yaml`), 'utf8'), `${name}.yaml`);
const NONE: CostAllowance = { classes: [], paramValues: [] };
const noLifecycles: LifecycleLookup = async () => undefined;
const DRY = { name: 'dry-run' as const, capabilities: { network: true, sql: false, pollScale: 0, unsupported: [] } };

function stateWith(l: Lab, vars: Record<string, unknown>, params: Record<string, unknown> = {}): RunState {
  const defaults = Object.fromEntries(Object.entries(l.params).map(([k, p]) => [k, p.default]));
  return {
    version: 1, runId: 'abc123', lab: l.name, labFile: '', engine: l.engines[0]!, target: 'dry-run', region: 'us-east-1',
    params: { ...defaults, ...params }, status: 'running', keep: false, createdAt: '', updatedAt: '', expiresAt: '2026-12-01T04:00:00Z',
    steps: {}, vars, measurements: {}, checks: [], resources: [],
  };
}

function planned(l: Lab, vars: Record<string, unknown>, params: Record<string, unknown> = {}): PlannedCreates {
  return plannedCreates(l, buildContext(l, stateWith(l, vars, params), DRY), guardIndex(l));
}

/** The shipped price table: expectations are computed from it, so a price update does not break them. */
const prices: PriceTable = priceTable();

describe('what the run is about to create', () => {
  it('the guard sits right after the read-only lookups, before the first create', () => {
    const l = lab('cluster-launch');
    const at = guardIndex(l);
    expect(l.steps[at]!.id).toBe('subnet-group');
    for (const s of l.steps.slice(0, at)) expect(s.kind === 'aws' ? s.operation : s.kind).toMatch(/^(Describe|check)/);
  });

  it('renders the create steps with the class the lookup found, one instance per forEach item', () => {
    const p = planned(lab('cluster-launch'), { instanceClass: 'db.t4g.medium', engineVersion: '16.4' });
    expect(p.unresolved).toEqual([]);
    expect(p.instances.map((i) => [i.instanceClass, i.engine])).toEqual([
      ['db.t4g.medium', 'aurora-postgresql'],
      ['db.t4g.medium', 'aurora-postgresql'],
      ['db.t4g.medium', 'aurora-postgresql'],
    ]);
  });

  it('reads the Serverless v2 range from the cluster create and counts db.serverless instances', () => {
    const p = planned(lab('serverless-v2'), { engineVersion: '16.4' });
    expect(p.capacities).toEqual([{ stepId: 'create-cluster', min: 0, max: 8 }]);
    expect(p.instances.map((i) => i.instanceClass)).toEqual(['db.serverless']);
  });

  it('a class the lookups did not find is unresolved, and the guard stops on it', () => {
    const l = lab('cluster-launch');
    const p = planned(l, { engineVersion: '16.4' });
    expect(p.unresolved).toHaveLength(1);
    expect(p.unresolved[0]).toMatch(/create-instances.*not known before the first create/);
  });
});

describe('the cost guard', () => {
  it('lets a known cheap class through and prices the run', async () => {
    const l = lab('cluster-launch');
    const p = planned(l, { instanceClass: 'db.t4g.medium' });
    const cost = await priceRun(l, l.engines[0]!, p, prices, noLifecycles);
    expect(cost.classes).toEqual([{ class: 'db.t4g.medium', engine: 'aurora-postgresql', count: 3, hourly: 0.073 }]);
    expect(cost.hourlyTotal).toBe(0.219);
    expect(costProblems(cost, p, NONE)).toEqual([]);
  });

  it('stops on a class the price table does not know, naming it and --allow-class; --param and --max-hourly do not allow it', async () => {
    const l = lab('cluster-launch');
    const p = planned(l, { instanceClass: 'db.r5.12xlarge' });
    const cost = await priceRun(l, l.engines[0]!, p, prices, noLifecycles);
    expect(cost.classes[0]!.hourly).toBeNull();
    expect(cost.hourlyTotal).toBeNull();
    const [problem, ...rest] = costProblems(cost, p, NONE);
    expect(rest).toEqual([]);
    expect(problem).toMatch(/db\.r5\.12xlarge .*not in the price table.*--allow-class db\.r5\.12xlarge/);
    expect(costProblems(cost, p, { classes: [], paramValues: ['db.r5.12xlarge'], maxHourly: 100 })).toHaveLength(1);
    expect(costProblems(cost, p, { classes: ['db.r5.12xlarge'], paramValues: [] })).toEqual([]);
  });

  it('stops on a class dearer than the estimate assumed, naming its price and every way to allow it', async () => {
    const l = lab('cluster-launch');
    const p = planned(l, { instanceClass: 'db.r6g.large' });
    const cost = await priceRun(l, l.engines[0]!, p, prices, noLifecycles);
    const problems = costProblems(cost, p, NONE);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`db.r6g.large (aurora-postgresql) costs $${prices.instanceHour['db.r6g.large']}/h`);
    expect(problems[0]).toContain(`$${prices.instanceHour['db.t4g.medium']}/h db.t4g.medium the lab's estimate assumes`);
    expect(problems[0]).toMatch(/--param instanceClass=db\.r6g\.large.*--allow-class db\.r6g\.large.*--max-hourly/);
  });

  it('naming the dearer class with --param, --allow-class or a high enough --max-hourly lets it through', async () => {
    const l = lab('cluster-launch');
    const p = planned(l, { instanceClass: 'db.r6g.large' });
    const cost = await priceRun(l, l.engines[0]!, p, prices, noLifecycles);
    expect(costProblems(cost, p, { classes: [], paramValues: ['db.r6g.large'] })).toEqual([]);
    expect(costProblems(cost, p, { classes: ['db.r6g.large'], paramValues: [] })).toEqual([]);
    expect(costProblems(cost, p, { classes: [], paramValues: [], maxHourly: cost.hourlyTotal! })).toEqual([]);
    expect(costProblems(cost, p, { classes: [], paramValues: [], maxHourly: cost.hourlyTotal! / 2 })).toEqual([
      expect.stringMatching(/db\.r6g\.large .*costs/),
      expect.stringMatching(/more than --max-hourly/),
    ]);
  });

  it("an estimate that names a class per engine is judged with the run's engine", async () => {
    const l = lab('performance-insights');
    const p: PlannedCreates = { instances: [{ stepId: 'create-instances', instanceClass: 'db.t4g.large', engine: 'aurora-mysql' }], capacities: [], unresolved: [] };
    expect(costProblems(await priceRun(l, 'aurora-mysql', p, prices, noLifecycles), p, NONE)).toEqual([]);
    const pg: PlannedCreates = { ...p, instances: [{ ...p.instances[0]!, engine: 'aurora-postgresql' }] };
    expect(costProblems(await priceRun(l, 'aurora-postgresql', pg, prices, noLifecycles), pg, NONE)).toEqual([expect.stringMatching(/db\.t4g\.large .*db\.t4g\.medium the lab's estimate assumes/)]);
  });

  it('stops a Serverless v2 range above the ACU the estimate assumed unless --max-hourly covers it', async () => {
    const l = lab('serverless-v2');
    const ok = planned(l, {});
    expect(costProblems(await priceRun(l, l.engines[0]!, ok, prices, noLifecycles), ok, NONE)).toEqual([]);
    const big = planned(l, {}, { maxCapacity: 64 });
    const cost = await priceRun(l, l.engines[0]!, big, prices, noLifecycles);
    expect(cost.acu).toEqual({ min: 0, max: 64, instances: 1, acuHour: prices.acuHour, hourlyAtMax: Math.round(64 * prices.acuHour * 10_000) / 10_000 });
    expect(costProblems(cost, big, NONE)).toEqual([expect.stringMatching(/up to 64 ACU .*more than the 8 ACU/)]);
    expect(costProblems(cost, big, { classes: [], paramValues: ['64'], maxHourly: cost.hourlyTotal! })).toEqual([]);
  });
});

describe('RDS Extended Support on the migration source', () => {
  const NOW = Date.parse('2026-12-01T00:00:00Z');
  const cycles = (standardEnd: string, extendedStart: string): EngineLifecycle[] => [
    { LifecycleSupportName: 'open-source-rds-standard-support', LifecycleSupportStartDate: '2019-01-01T00:00:00Z', LifecycleSupportEndDate: standardEnd },
    { LifecycleSupportName: 'open-source-rds-extended-support', LifecycleSupportStartDate: extendedStart, LifecycleSupportEndDate: '2030-01-01T00:00:00Z' },
  ];
  const source = (lifecycle?: string): PlannedCreates => ({
    instances: [{ stepId: 'create-source', instanceClass: 'db.t4g.micro', engine: 'postgres', engineVersion: '12.22', ...(lifecycle ? { lifecycleSupport: lifecycle } : {}) }],
    capacities: [],
    unresolved: [],
  });
  const l = lab('snapshot-migration');

  it('adds nothing for a major version in standard support', async () => {
    const cost = await priceRun(l, l.engines[0]!, source(), prices, async () => cycles('2027-11-30T23:59:59Z', '2027-12-01T00:00:00Z'), NOW);
    expect(cost.classes[0]).toEqual({ class: 'db.t4g.micro', engine: 'postgres', count: 1, hourly: prices.instanceHour['db.t4g.micro'] });
    expect(costProblems(cost, source(), NONE)).toEqual([]);
  });

  it('prices Extended Support per vCPU past standard support, and the guard stops on it', async () => {
    const asked: string[] = [];
    const cost = await priceRun(l, l.engines[0]!, source(), prices, async (engine, major) => (asked.push(`${engine} ${major}`), cycles('2025-02-28T23:59:59Z', '2025-03-01T00:00:00Z')), NOW);
    expect(asked).toEqual(['postgres 12']);
    const es = prices.vcpus!['db.t4g.micro']! * prices.extendedSupport!.vcpuHour['year1-2'];
    expect(cost.classes[0]!.extendedSupport).toEqual({ majorVersion: '12', band: 'year1-2', hourly: es });
    expect(cost.classes[0]!.hourly).toBeCloseTo(prices.instanceHour['db.t4g.micro']! + es, 6);
    expect(costProblems(cost, source(), NONE, ['sourceClass', 'instanceClass'])).toEqual([
      expect.stringMatching(/db\.t4g\.micro \(postgres\).*RDS Extended Support for postgres 12.*--param sourceClass=db\.t4g\.micro or --param instanceClass=db\.t4g\.micro/),
    ]);
  });

  it('uses the year-3 rate from the third year of Extended Support', async () => {
    const cost = await priceRun(l, l.engines[0]!, source(), prices, async () => cycles('2024-02-29T23:59:59Z', '2024-03-01T00:00:00Z'), NOW);
    expect(cost.classes[0]!.extendedSupport).toEqual({ majorVersion: '12', band: 'year3', hourly: prices.vcpus!['db.t4g.micro']! * prices.extendedSupport!.vcpuHour.year3 });
  });

  it('adds nothing when the create opts out of Extended Support, and says so when the target cannot tell', async () => {
    const optOut = await priceRun(l, l.engines[0]!, source('open-source-rds-extended-support-disabled'), prices, async () => cycles('2025-02-28T23:59:59Z', '2025-03-01T00:00:00Z'), NOW);
    expect(optOut.classes[0]!.extendedSupport).toBeUndefined();
    const unknown = await priceRun(l, l.engines[0]!, source(), prices, noLifecycles, NOW);
    expect(unknown.classes[0]!.extendedSupportUnknown).toBe(true);
  });

  it('takes the major version as RDS names it', () => {
    expect(majorVersion('postgres', '16.4')).toBe('16');
    expect(majorVersion('postgres', '9.6.24')).toBe('9.6');
    expect(majorVersion('mysql', '8.0.39')).toBe('8.0');
  });
});

describe('the guard in a run (dry run, in process)', () => {
  useTempLabHome('alab-cost-');

  async function run(opts: { params?: Record<string, string>; allow?: CostAllowance; runId?: string; abortAt?: string }) {
    const calls: SimCall[] = [];
    const confirms: ConfirmSummary[] = [];
    const ac = new AbortController();
    const events: LabEvent[] = [];
    let runDir = '';
    const outcome = await runLab({
      labRef: 'cluster-launch',
      params: opts.params ?? {},
      ...(opts.runId ? { runId: opts.runId } : {}),
      targetName: 'dry-run',
      keep: false,
      reporter: { emit: (e) => { events.push(e); if (opts.abortAt && e.code === 'step.start' && (e.data as { id: string }).id === opts.abortAt) ac.abort(); } },
      signal: ac.signal,
      makeTarget: async ({ dir }) => {
        runDir = dir;
        return dryRunTarget({ region: 'us-east-1', runDir: dir, inject: (c) => void calls.push(c) });
      },
      // The CLI's --yes: the confirmation always says yes.
      confirm: async (s) => (confirms.push(s), true),
      ...(opts.allow ? { allow: opts.allow } : {}),
    }).then((r) => ({ result: r, error: r.error }), (error: unknown) => ({ result: undefined, error }));
    return { ...outcome, calls, confirms, events, runDir };
  }

  it('a cheap class is confirmed with its figures and the run document carries them', async () => {
    const r = await run({});
    expect(r.error).toBeUndefined();
    expect(r.confirms).toHaveLength(1);
    expect(r.confirms[0]!.cost.classes).toEqual([{ class: 'db.t4g.medium', engine: 'aurora-postgresql', count: 3, hourly: 0.073 }]);
    const firstCreate = r.calls.findIndex((c) => c.operation.startsWith('Create'));
    expect(r.calls.slice(0, firstCreate).every((c) => /^(Describe|GetCallerIdentity)/.test(c.operation))).toBe(true);
    expect(r.result!.document.cost).toMatchObject({ classes: [{ class: 'db.t4g.medium', count: 3, hourly: 0.073 }], hourlyTotal: 0.219 });
  });

  it('a resolved class dearer than the estimate stops the run before any create, --yes notwithstanding, and leaves no run directory', async () => {
    const r = await run({ params: { instanceClass: 'db.r7g.large' } });
    expect(r.error).toBeInstanceOf(CostGuardError);
    expect((r.error as CostGuardError).details.join('\n')).toMatch(/db\.r7g\.large .*costs \$0\.276\/h/);
    expect(r.confirms).toEqual([]);
    expect(r.calls.filter((c) => !/^Describe/.test(c.operation))).toEqual([]);
    expect(r.result!.document.status).toBe('failed');
    expect(r.result!.document.error?.code).toBe('COST_NOT_ALLOWED');
    expect(r.result!.document.cost?.classes).toEqual([{ class: 'db.r7g.large', engine: 'aurora-postgresql', count: 3, hourly: 0.276 }]);
    expect(existsSync(r.runDir)).toBe(false);
  });

  it('the same class named with --param goes through, to the confirmation', async () => {
    const r = await run({ params: { instanceClass: 'db.r7g.large' }, allow: { classes: [], paramValues: ['db.r7g.large'] } });
    expect(r.error).toBeUndefined();
    expect(r.confirms).toHaveLength(1);
    expect(r.calls.some((c) => c.operation === 'CreateDBInstance' && c.input.DBInstanceClass === 'db.r7g.large')).toBe(true);
  });

  it('a resumed run that passed the guard is not asked again for the same classes', async () => {
    const first = await run({ runId: 'costresume', abortAt: 'wait-instances' });
    expect(first.result!.document.status).toBe('interrupted');
    expect(first.confirms).toHaveLength(1);
    const again = await run({ runId: 'costresume' });
    expect(again.error).toBeUndefined();
    expect(again.result!.document.status).toBe('succeeded');
    expect(again.confirms).toEqual([]);
    expect(again.events.some((e) => e.code === 'run.cost' && e.message.includes('allowed when the run started'))).toBe(true);
  });
});
