/**
 * What a run is really about to create, read from the lab's own create steps rendered with the vars
 * known once its read-only lookups are done: each instance class (with engine and version) and each
 * Serverless v2 capacity range. This is what the cost guard prices, not the lab file's estimate.
 */
import type { Lab, Step } from '../labs/schema.js';
import { evaluate, render, truthy } from '../labs/template.js';
import type { RunContext } from './context.js';
import { forEachItems, NO_ITEM } from './steps/aws-step.js';

/** Operations that start a billed DB instance (the class is in DBInstanceClass). */
const INSTANCE_OPS = new Set([
  'CreateDBInstance',
  'CreateDBInstanceReadReplica',
  'RestoreDBInstanceFromDBSnapshot',
  'RestoreDBInstanceFromS3',
  'RestoreDBInstanceToPointInTime',
  'ModifyDBInstance',
]);
/** Operations that can set a cluster's Serverless v2 capacity range (billed per ACU-hour through db.serverless instances). */
const CLUSTER_OPS = new Set(['CreateDBCluster', 'RestoreDBClusterFromSnapshot', 'RestoreDBClusterToPointInTime', 'RestoreDBClusterFromS3', 'ModifyDBCluster']);
const READ_ONLY = /^(Describe|List|Get)/;

export interface PlannedInstance {
  stepId: string;
  instanceClass: string;
  /** The engine as the call names it: aurora-postgresql, postgres ... ('' when the call leaves it to the snapshot). */
  engine: string;
  engineVersion?: string;
  /** open-source-rds-extended-support-disabled makes RDS refuse the create rather than bill Extended Support. */
  lifecycleSupport?: string;
}

export interface PlannedCapacity {
  stepId: string;
  min: number;
  max: number;
}

export interface PlannedCreates {
  instances: PlannedInstance[];
  capacities: PlannedCapacity[];
  /** Create steps whose class or range cannot be known before the first create: the guard stops on these. */
  unresolved: string[];
}

/**
 * Index of the first step that may change anything (a create, a modify, an ingress rule, SQL): the
 * guard and the confirmation go right before it, after every read-only lookup.
 */
export function guardIndex(lab: Lab): number {
  const i = lab.steps.findIndex((s) => s.kind === 'sql' || s.kind === 'probe-start' || (s.kind === 'aws' && (s.creates !== undefined || !READ_ONLY.test(s.operation))));
  return i === -1 ? lab.steps.length : i;
}

export function plannedCreates(lab: Lab, ctx: RunContext, from = 0): PlannedCreates {
  const out: PlannedCreates = { instances: [], capacities: [], unresolved: [] };
  for (const step of lab.steps.slice(from)) {
    if (step.kind !== 'aws' || (!INSTANCE_OPS.has(step.operation) && !CLUSTER_OPS.has(step.operation))) continue;
    if (!mayRun(step, ctx)) continue;
    let items: unknown[];
    try {
      items = forEachItems(step.forEach, ctx);
    } catch {
      out.unresolved.push(`step ${step.id}: how many it creates is not known before the first create`);
      continue;
    }
    for (const item of items) {
      const c = item === NO_ITEM ? ctx : { ...ctx, item };
      const field = (name: string) => {
        const raw = (step.input as Record<string, unknown>)[name];
        return raw === undefined ? undefined : render(raw, c);
      };
      if (INSTANCE_OPS.has(step.operation)) {
        const cls = field('DBInstanceClass');
        if (cls === undefined && step.operation === 'ModifyDBInstance') continue; // a modify that keeps the class
        if (typeof cls !== 'string' || cls === '') {
          note(out, `step ${step.id}: its instance class (${JSON.stringify((step.input as Record<string, unknown>).DBInstanceClass)}) is not known before the first create: the lookup found no such class`);
          continue;
        }
        const version = field('EngineVersion');
        const lifecycle = field('EngineLifecycleSupport');
        out.instances.push({
          stepId: step.id,
          instanceClass: cls,
          engine: String(field('Engine') ?? ''),
          ...(typeof version === 'string' && version !== '' ? { engineVersion: version } : {}),
          ...(typeof lifecycle === 'string' ? { lifecycleSupport: lifecycle } : {}),
        });
      } else {
        const range = field('ServerlessV2ScalingConfiguration');
        if (range === undefined) continue;
        const { MinCapacity, MaxCapacity } = (range ?? {}) as Record<string, unknown>;
        if (typeof MaxCapacity !== 'number' || (MinCapacity !== undefined && typeof MinCapacity !== 'number')) {
          note(out, `step ${step.id}: its Serverless v2 capacity range is not known before the first create`);
          continue;
        }
        out.capacities.push({ stepId: step.id, min: typeof MinCapacity === 'number' ? MinCapacity : 0, max: MaxCapacity });
      }
    }
  }
  return out;
}

function note(out: PlannedCreates, problem: string): void {
  if (!out.unresolved.includes(problem)) out.unresolved.push(problem);
}

/**
 * A step's `when` decides whether it counts, where it can be decided now; a condition on vars a later
 * step captures cannot be, and the step is counted (the guard errs on the side of the bill).
 */
function mayRun(step: Step, ctx: RunContext): boolean {
  if (!step.when) return true;
  const later = [...step.when.matchAll(/\bvars\.([A-Za-z_][A-Za-z0-9_]*)/g)].some((m) => !(m[1]! in ctx.vars));
  if (later) return true;
  return truthy(evaluate(step.when, ctx));
}
