/** The simulated-AWS timing mode: AWS's durations, what waits for what, and the critical path. */
import { describe, expect, it } from 'vitest';
import { AWS_TIMINGS } from '../../src/sim/model/aws-timing.js';
import { criticalPath } from '../../src/sim/model/critical-path.js';
import { simCloud } from './sim-fixture.js';

const s = (kind: keyof typeof AWS_TIMINGS) => AWS_TIMINGS[kind].seconds * 1000;

async function clusterWithInstances(rds: ReturnType<typeof simCloud>['rds'], n: number) {
  await rds('CreateDBCluster', { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'u', MasterUserPassword: 'password1' });
  for (let i = 0; i < n; i++) {
    await rds('CreateDBInstance', { DBInstanceIdentifier: `i${i}`, DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.t4g.medium' });
  }
}

const status = async (rds: ReturnType<typeof simCloud>['rds'], id: string) =>
  (await rds('DescribeDBInstances', { DBInstanceIdentifier: id })).DBInstances[0].DBInstanceStatus as string;

describe('the simulated-AWS timing mode', () => {
  it('makes an instance of a cluster still being created available only after the cluster plus its own creation time', async () => {
    const { rds, clock } = simCloud({ timing: 'aws' });
    await clusterWithInstances(rds, 1);
    clock.t += s('instance-create');
    expect(await status(rds, 'i0')).toBe('creating');
    clock.t += s('cluster-create');
    expect(await status(rds, 'i0')).toBe('available');
  });

  it('counts three instances created together once on the critical path', async () => {
    const { sim, rds, clock } = simCloud({ timing: 'aws' });
    await clusterWithInstances(rds, 3);
    clock.t += s('cluster-create') + s('instance-create');
    const cp = criticalPath(sim.toJSON().timeline ?? []);
    expect(cp.totalMs).toBe(s('cluster-create') + s('instance-create'));
    expect(cp.chain.map((c) => c.kind)).toEqual(['cluster-create', 'instance-create']);
  });

  it('puts a cluster deletion after the deletion of its instances, and a failover before them', async () => {
    const { sim, rds, clock } = simCloud({ timing: 'aws' });
    await clusterWithInstances(rds, 2);
    clock.t += s('cluster-create') + s('instance-create');
    await rds('FailoverDBCluster', { DBClusterIdentifier: 'lab', TargetDBInstanceIdentifier: 'i1' });
    clock.t += s('failover');
    for (const id of ['i0', 'i1']) await rds('DeleteDBInstance', { DBInstanceIdentifier: id });
    clock.t += s('instance-delete');
    await rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true });
    const cp = criticalPath(sim.toJSON().timeline ?? []);
    expect(cp.chain.map((c) => c.kind)).toEqual(['cluster-create', 'instance-create', 'failover', 'instance-delete', 'cluster-delete']);
    expect(cp.totalMs).toBe(s('cluster-create') + s('instance-create') + s('failover') + s('instance-delete') + s('cluster-delete'));
  });

  it('records nothing and keeps the configured delays outside the mode', async () => {
    const { sim, rds } = simCloud({ delays: { create: 0 } });
    await clusterWithInstances(rds, 1);
    expect(await status(rds, 'i0')).toBe('available');
    expect(sim.toJSON().timeline).toBeUndefined();
  });

  it('states a source for every figure of the table', () => {
    for (const [kind, f] of Object.entries(AWS_TIMINGS)) {
      expect(f.source.length, kind).toBeGreaterThan(10);
      expect(['documented', 'reported', 'assumed']).toContain(f.basis);
    }
  });
});
