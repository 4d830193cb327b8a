import { describe, expect, it } from 'vitest';
import { planTeardown } from '../../src/engine/teardown/plan.js';
import type { ResourceRecord } from '../../src/state/run-state.js';

const rec = (type: string, id: string, region = 'us-east-1', status: ResourceRecord['status'] = 'created'): ResourceRecord => ({
  type,
  id,
  region,
  status,
  stepId: 'step',
  createdAt: '2025-01-01T00:00:00.000Z',
});

/** The plan as "phase: kind type/id" lines, easy to read in a failure. */
const lines = (resources: ResourceRecord[]) =>
  planTeardown(resources).map((p) => `${p.name}: ${p.actions.map((a) => `${a.kind} ${a.resource.type}/${a.resource.id}`).join(', ')}`);

describe('planTeardown', () => {
  it('orders a global database, clusters, instances, snapshots and groups the way AWS accepts them', () => {
    // Recorded in creation order, which is roughly the reverse of what AWS lets us delete.
    const resources = [
      rec('security-group', 'sg-1'),
      rec('db-subnet-group', 'lab-subnets'),
      rec('db-cluster-parameter-group', 'lab-cpg'),
      rec('db-parameter-group', 'lab-pg'),
      rec('global-cluster', 'lab-global'),
      rec('secret', 'lab-master'),
      rec('db-cluster', 'primary'),
      rec('db-instance', 'primary-1'),
      rec('db-cluster', 'secondary', 'eu-west-1'),
      rec('db-instance', 'secondary-1', 'eu-west-1'),
      rec('db-cluster-snapshot', 'snap-1'),
      rec('db-snapshot', 'rds-snap'),
      rec('db-instance', 'standalone'),
    ];
    expect(lines(resources)).toEqual([
      'detach-global-secondaries: detach-global-secondaries global-cluster/lab-global',
      'detach-global-primaries: detach-global-primary global-cluster/lab-global',
      'start-stopped-clusters: start-if-stopped db-cluster/primary, start-if-stopped db-cluster/secondary',
      'instances: delete db-instance/primary-1, delete db-instance/secondary-1, delete db-instance/standalone',
      'clusters: delete db-cluster/primary, delete db-cluster/secondary',
      'global-clusters: delete global-cluster/lab-global',
      'snapshots: delete db-cluster-snapshot/snap-1, delete db-snapshot/rds-snap',
      'subnet-groups: delete db-subnet-group/lab-subnets',
      'parameter-groups: delete db-cluster-parameter-group/lab-cpg, delete db-parameter-group/lab-pg',
      'security-groups: delete security-group/sg-1',
      'secrets: delete secret/lab-master',
    ]);
  });

  it('keeps each resource in its own region', () => {
    const phases = planTeardown([rec('db-cluster', 'secondary', 'eu-west-1'), rec('db-cluster', 'primary', 'us-east-1')]);
    const clusters = phases.find((p) => p.name === 'clusters')!;
    expect(clusters.actions.map((a) => `${a.resource.id}@${a.resource.region}`)).toEqual(['secondary@eu-west-1', 'primary@us-east-1']);
  });

  it('leaves out resources already deleted, and phases with nothing to do', () => {
    const phases = planTeardown([rec('db-cluster', 'gone', 'us-east-1', 'deleted'), rec('db-instance', 'i-1'), rec('security-group', 'sg-old', 'us-east-1', 'deleted')]);
    expect(phases.map((p) => p.name)).toEqual(['instances']);
    expect(phases[0]!.actions.map((a) => a.resource.id)).toEqual(['i-1']);
  });

  it('plans resources still marked creating, since the create may have reached AWS before a crash', () => {
    const phases = planTeardown([rec('db-cluster', 'half-made', 'us-east-1', 'creating')]);
    expect(phases.map((p) => p.name)).toEqual(['start-stopped-clusters', 'clusters']);
    expect(phases[1]!.actions[0]!.resource.id).toBe('half-made');
  });

  it('plans resources whose delete failed before, so teardown can be run again', () => {
    expect(lines([rec('db-snapshot', 's', 'us-east-1', 'delete-failed')])).toEqual(['snapshots: delete db-snapshot/s']);
  });

  it('plans a resource recorded twice (a resumed run) once', () => {
    const phases = planTeardown([rec('db-instance', 'w'), rec('db-instance', 'W'), rec('db-instance', 'w', 'eu-west-1')]);
    expect(phases[0]!.actions.map((a) => `${a.resource.id}@${a.resource.region}`)).toEqual(['w@us-east-1', 'w@eu-west-1']);
  });

  it('plans nothing for an empty run', () => {
    expect(planTeardown([])).toEqual([]);
  });

  it('does not change the records it is given', () => {
    const resources = [rec('db-cluster', 'c'), rec('db-instance', 'i', 'us-east-1', 'deleted')];
    const copy = structuredClone(resources);
    planTeardown(resources);
    expect(resources).toEqual(copy);
  });
});
