/** Look-ups and rules shared by the RDS handlers. */
import type { DataPlane } from '../data-plane.js';
import { fail } from './errors.js';
import { parseArn } from './ids.js';
import type { Runtime } from './runtime.js';
import { rkey, type ClusterRec, type GlobalClusterRec, type InstanceRec } from './state.js';

export function getCluster(rt: Runtime, region: string, id: string): ClusterRec {
  const c = rt.state.clusters[rkey(region, id.toLowerCase())];
  if (!c) fail('DBClusterNotFoundFault', `DBCluster ${id} not found.`);
  return c;
}

/** A cluster named by identifier (in the call's region) or by ARN (any region). */
export function getClusterByIdOrArn(rt: Runtime, region: string, idOrArn: string): ClusterRec {
  const arn = parseArn(idOrArn);
  if (arn) {
    const c = Object.values(rt.state.clusters).find((x) => x.arn === idOrArn);
    if (!c) fail('DBClusterNotFoundFault', `DBCluster ${arn.resourceId} not found.`);
    return c;
  }
  return getCluster(rt, region, idOrArn);
}

export function getInstance(rt: Runtime, region: string, id: string): InstanceRec {
  const i = rt.state.instances[rkey(region, id.toLowerCase())];
  if (!i) fail('DBInstanceNotFound', `DBInstance ${id} not found.`);
  return i;
}

export function getGlobal(rt: Runtime, id: string): GlobalClusterRec {
  const g = rt.state.globalClusters[id.toLowerCase()];
  if (!g) fail('GlobalClusterNotFoundFault', `Global cluster ${id} not found.`);
  return g;
}

export function clusterInstances(rt: Runtime, c: ClusterRec): InstanceRec[] {
  return Object.values(rt.state.instances)
    .filter((i) => i.region === c.region && i.clusterId === c.id)
    .sort((a, b) => a.createdAt - b.createdAt);
}

const SIZES = ['nano', 'micro', 'small', 'medium', 'large', 'xlarge'];

/** Relative size of an instance class, for the failover order: db.r6g.2xlarge > db.r6g.large > db.t4g.medium. */
export function classSize(instanceClass: string): number {
  if (instanceClass === 'db.serverless') return 100;
  const size = instanceClass.split('.').pop() ?? '';
  const m = /^(\d+)xlarge$/.exec(size);
  if (m) return SIZES.length + Number(m[1]);
  const i = SIZES.indexOf(size);
  return i < 0 ? 0 : i;
}

/**
 * Aurora's failover order: the lowest PromotionTier, then the largest instance, then (where AWS picks
 * arbitrarily) the identifier, so the simulation is deterministic.
 */
export function pickFailoverTarget(candidates: InstanceRec[]): InstanceRec | undefined {
  return [...candidates].sort(
    (a, b) => a.promotionTier - b.promotionTier || classSize(b.instanceClass) - classSize(a.instanceClass) || a.id.localeCompare(b.id),
  )[0];
}

/** Instances that have not started going away. */
export function live(i: { status: string }): boolean {
  return i.status !== 'deleting';
}

export function countInRegion(records: Record<string, { region: string }>, region: string): number {
  return Object.values(records).filter((r) => r.region === region).length;
}

export function checkIdentifier(kind: string, id: string): void {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(id) || id.length > 63) {
    fail(
      'InvalidParameterValue',
      `The parameter ${kind} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
  }
}

/** Data-plane calls on one cluster run in order; a standalone instance is its own chain. */
export function clusterChain(c: { region: string; id: string }): string {
  return `cluster:${c.region}/${c.id}`;
}

export function instanceChain(i: InstanceRec): string {
  return i.clusterId ? clusterChain({ region: i.region, id: i.clusterId }) : `instance:${i.region}/${i.id}`;
}

/** One piece of a modify's data-plane work: the operation's name and the call, or undefined when none is needed. */
export type ModifyWork = [operation: string, run: ((dp: DataPlane) => Promise<void>) | undefined];

/**
 * Queue a modify's data-plane work on the resource's chain, in order, and return the gate the modify
 * waits on. Calls on one chain settle in order, so the last one queued is the one to wait for.
 */
export function queueModifyWork(rt: Runtime, chain: string, arn: string, work: ModifyWork[]): string | undefined {
  let gate: string | undefined;
  for (const [operation, run] of work) if (run) gate = rt.runDataPlane(chain, arn, operation, run) ?? gate;
  return gate;
}
