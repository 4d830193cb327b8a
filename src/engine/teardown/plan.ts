/**
 * The teardown order, as a pure function of the run's resource records (no AWS, no clock).
 * AWS refuses most other orders: a global member cannot be deleted while attached, a cluster not while
 * it has instances, a subnet group or security group not while something uses it.
 */
import { RESOURCE_TYPES, type ResourceType } from '../../labs/schema.js';
import type { ResourceRecord } from '../../state/run-state.js';

export type TeardownActionKind =
  /** RemoveFromGlobalCluster for the global cluster's secondary members, then wait until detached. */
  | 'detach-global-secondaries'
  /** The same for its primary (writer) member: AWS wants it detached last. */
  | 'detach-global-primary'
  /** A stopped cluster cannot be deleted, nor its instances: start it and wait until available. */
  | 'start-if-stopped'
  /** Describe, check ownership, delete, wait until gone. */
  | 'delete';

export interface TeardownAction {
  kind: TeardownActionKind;
  resource: ResourceRecord;
}

export interface TeardownPhase {
  /** Stable name, for events and tests. */
  name: string;
  /** Run in parallel within the phase; the next phase starts when all of them settled. */
  actions: TeardownAction[];
}

const PHASES: { name: string; kind: TeardownActionKind; types: ResourceType[] }[] = [
  { name: 'detach-global-secondaries', kind: 'detach-global-secondaries', types: ['global-cluster'] },
  { name: 'detach-global-primaries', kind: 'detach-global-primary', types: ['global-cluster'] },
  { name: 'start-stopped-clusters', kind: 'start-if-stopped', types: ['db-cluster'] },
  // Alarms depend on nothing and watch what is about to go: first, before they fire on the teardown.
  { name: 'alarms', kind: 'delete', types: ['cloudwatch-alarm'] },
  { name: 'instances', kind: 'delete', types: ['db-instance'] },
  { name: 'clusters', kind: 'delete', types: ['db-cluster'] },
  // The global cluster, empty since its members were detached, goes after them: AWS's own order
  // (members first, the global cluster last), and a teardown cut short leaves it to hold them together.
  { name: 'global-clusters', kind: 'delete', types: ['global-cluster'] },
  { name: 'snapshots', kind: 'delete', types: ['db-cluster-snapshot', 'db-snapshot'] },
  { name: 'subnet-groups', kind: 'delete', types: ['db-subnet-group'] },
  { name: 'parameter-groups', kind: 'delete', types: ['db-cluster-parameter-group', 'db-parameter-group'] },
  { name: 'security-groups', kind: 'delete', types: ['security-group'] },
  // After the instances that publish with the role and the clusters that export into the groups:
  // RDS would make a deleted group again while a cluster still exports to it.
  { name: 'monitoring-roles', kind: 'delete', types: ['iam-role'] },
  { name: 'log-groups', kind: 'delete', types: ['log-group'] },
  // Last: a cluster that still runs may need its password (a resumed teardown, a learner's session).
  { name: 'secrets', kind: 'delete', types: ['secret'] },
];

/**
 * Phases in the order AWS accepts. Records already 'deleted' are left out; 'creating' ones stay in
 * (the create may have reached AWS before a crash: if it did not, the Describe finds nothing to do).
 * Empty phases are left out. Records of an unknown type are ignored (the lab schema rejects them).
 */
export function planTeardown(resources: ResourceRecord[]): TeardownPhase[] {
  const live = dedupe(resources.filter((r) => r.status !== 'deleted' && (RESOURCE_TYPES as readonly string[]).includes(r.type)));
  const phases: TeardownPhase[] = [];
  for (const phase of PHASES) {
    const actions = live.filter((r) => phase.types.includes(r.type as ResourceType)).map((resource) => ({ kind: phase.kind, resource }));
    if (actions.length > 0) phases.push({ name: phase.name, actions });
  }
  return phases;
}

/** One action per resource even when a resumed run recorded it twice (same type, id and region). */
function dedupe(resources: ResourceRecord[]): ResourceRecord[] {
  const seen = new Set<string>();
  return resources.filter((r) => {
    const key = `${r.type}\u0000${r.region}\u0000${r.id.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
