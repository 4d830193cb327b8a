/**
 * The clock: before every call, pending transitions whose time has come (and whose data-plane work has
 * settled) complete. Nothing runs on timers, so the state can be saved and resumed at any point.
 */
import { clusterInstances, live, pickFailoverTarget } from './rds-common.js';
import { STOPPED_MAX_MS } from './rds-format.js';
import { applyGlobalSwitch } from './rds-global.js';
import type { Runtime } from './runtime.js';
import { deleteManagedSecret } from './secrets.js';
import { rkey, type ClusterRec, type Effect, type GlobalClusterRec, type InstanceRec, type SimState, type Transition } from './state.js';

type Kind = 'cluster' | 'instance' | 'clusterSnapshot' | 'dbSnapshot' | 'global';

const COLLECTIONS: [Kind, keyof SimState][] = [
  ['instance', 'instances'],
  ['cluster', 'clusters'],
  ['clusterSnapshot', 'clusterSnapshots'],
  ['dbSnapshot', 'dbSnapshots'],
  ['global', 'globalClusters'],
];

const TAG_TYPES: Record<Kind, string> = {
  cluster: 'rds:cluster',
  instance: 'rds:db',
  clusterSnapshot: 'rds:cluster-snapshot',
  dbSnapshot: 'rds:snapshot',
  global: 'rds:global-cluster',
};

interface Rec {
  arn: string;
  status: string;
  tags: { Key: string; Value: string }[];
  pending?: Transition;
  region?: string;
}

export function advance(rt: Runtime): void {
  const now = rt.now();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [kind, field] of COLLECTIONS) {
      const records = rt.state[field] as Record<string, Rec>;
      for (const [key, rec] of Object.entries(records)) {
        const t = rec.pending;
        if (!t || now < t.readyAt) continue;
        const outcome = rt.gateResult(t.gate);
        if (outcome === undefined) continue;
        // A deleting cluster waits for its instances to go first.
        if (kind === 'cluster' && t.effect.kind === 'remove' && clusterInstances(rt, rec as unknown as ClusterRec).length > 0) continue;
        delete rec.pending;
        changed = true;
        if (typeof outcome === 'string' && t.effect.kind !== 'remove') {
          rec.status = t.failStatus;
          // A switchover the data plane could not do leaves the primary where it was.
          if (t.effect.kind === 'global-switch') delete (rec as unknown as GlobalClusterRec).failover;
          continue;
        }
        rec.status = t.status;
        applyEffect(rt, kind, key, records, rec, t.effect);
      }
    }
  }
  const lag = rt.delays.taggingLag;
  rt.state.tombstones = rt.state.tombstones.filter((t) => now - t.deletedAt < lag);
}

function applyEffect(rt: Runtime, kind: Kind, key: string, records: Record<string, Rec>, rec: Rec, effect: Effect): void {
  switch (effect.kind) {
    case 'none':
      return;
    case 'remove':
      delete records[key];
      rt.tombstone(rec.arn, rec.region ?? '', TAG_TYPES[kind], rec.tags);
      if (kind === 'cluster') deleteManagedSecret(rt, (rec as unknown as ClusterRec).secret);
      if (kind === 'instance') instanceGone(rt, rec as unknown as InstanceRec);
      return;
    case 'set-writer': {
      const c = rec as unknown as ClusterRec;
      const target = rt.state.instances[rkey(c.region, effect.instanceId)];
      if (target?.clusterId === c.id && live(target)) c.writer = target.id;
      return;
    }
    case 'global-switch':
      applyGlobalSwitch(rt, rec as unknown as GlobalClusterRec, effect.targetArn, effect.writerId);
      return;
    case 'cluster-members': {
      const c = rec as unknown as ClusterRec;
      for (const i of clusterInstances(rt, c)) {
        i.status = effect.status;
        delete i.pending;
      }
      // A stopped cluster starts again by itself after seven days, as Aurora does.
      if (effect.status === 'stopped') {
        c.stoppedAt = rt.now();
        c.pending = {
          status: 'available',
          readyAt: c.stoppedAt + STOPPED_MAX_MS,
          effect: { kind: 'cluster-members', status: 'available' },
          failStatus: 'available',
        };
      } else {
        delete c.stoppedAt;
      }
      return;
    }
  }
}

/** When a cluster's writer goes away, Aurora promotes a reader (the data plane does the same on its side). */
function instanceGone(rt: Runtime, i: InstanceRec): void {
  deleteManagedSecret(rt, i.secret);
  if (!i.clusterId) return;
  const c = rt.state.clusters[rkey(i.region, i.clusterId)];
  if (!c || c.writer !== i.id) return;
  const secondary = c.globalClusterId && rt.state.globalClusters[c.globalClusterId]?.members.some((m) => m.clusterArn === c.arn && !m.isWriter);
  c.writer = secondary ? undefined : pickFailoverTarget(clusterInstances(rt, c).filter(live))?.id;
}
