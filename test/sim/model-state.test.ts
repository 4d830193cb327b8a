import { describe, expect, it } from 'vitest';
import { SimCloud } from '../../src/sim/model/cloud.js';
import type { ClusterSpec, DataPlane, Endpoint, InstanceSpec } from '../../src/sim/data-plane.js';
import { SimError } from '../../src/sim/types.js';
import { serviceCaller, type ServiceCaller } from './sim-fixture.js';

const REGION = 'us-east-1';
const CLUSTER = { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'admin_user', MasterUserPassword: 'secret-pass-1' };
const member = (id: string) => ({ DBInstanceIdentifier: id, DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });

const rdsOf = (sim: SimCloud) => serviceCaller(sim, 'rds', REGION);

describe('toJSON / fromJSON', () => {
  it('round-trips the account through JSON text', async () => {
    const clock = { t: Date.UTC(2025, 0, 1) };
    const sim = new SimCloud({ now: () => clock.t, accountId: '210987654321' });
    const rds = rdsOf(sim);
    await rds('CreateDBCluster', { ...CLUSTER, Tags: [{ Key: 'k', Value: 'v' }] });
    await rds('CreateDBInstance', member('w'));
    const restored = SimCloud.fromJSON(JSON.parse(JSON.stringify(sim.toJSON())), { now: () => clock.t });
    expect(restored.accountId).toBe('210987654321');
    expect(restored.toJSON()).toEqual(sim.toJSON());
    const out = await rdsOf(restored)('DescribeDBClusters', { DBClusterIdentifier: 'lab' });
    expect(out.DBClusters[0]).toMatchObject({ DBClusterArn: 'arn:aws:rds:us-east-1:210987654321:cluster:lab', TagList: [{ Key: 'k', Value: 'v' }] });
  });

  it('continues pending transitions after a restore, on the restored clock', async () => {
    const clock = { t: Date.UTC(2025, 0, 1) };
    const delays = { create: 60_000, failover: 10_000 };
    const sim = new SimCloud({ now: () => clock.t, delays });
    await rdsOf(sim)('CreateDBCluster', CLUSTER);
    const saved = JSON.stringify(sim.toJSON());
    clock.t += 30_000;
    const resumed = SimCloud.fromJSON(JSON.parse(saved), { now: () => clock.t, delays });
    const rds = rdsOf(resumed);
    expect((await rds('DescribeDBClusters')).DBClusters[0].Status).toBe('creating');
    clock.t += 30_000;
    expect((await rds('DescribeDBClusters')).DBClusters[0].Status).toBe('available');
    await rds('CreateDBInstance', member('w'));
    await rds('CreateDBInstance', member('r'));
    clock.t += 60_000;
    await rds('FailoverDBCluster', { DBClusterIdentifier: 'lab' });
    const again = SimCloud.fromJSON(resumed.toJSON(), { now: () => clock.t, delays });
    clock.t += 10_000;
    const c = (await rdsOf(again)('DescribeDBClusters')).DBClusters[0];
    expect(c.Status).toBe('available');
    expect(c.DBClusterMembers.find((m: any) => m.IsClusterWriter).DBInstanceIdentifier).toBe('r');
  });

  it('refuses something that is not a saved account', () => {
    expect(() => SimCloud.fromJSON({ version: 2 } as never)).toThrow(TypeError);
  });
});

/** A data plane whose every call waits until the test settles it. */
class ControlledDataPlane implements DataPlane {
  readonly calls: string[] = [];
  private waiting: { name: string; resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  private port = 40000;

  private wait<T>(name: string, value: T): Promise<T> {
    this.calls.push(name);
    return new Promise<T>((resolve, reject) => this.waiting.push({ name, resolve: () => resolve(value), reject }));
  }

  /** Settles the oldest outstanding call with this name. */
  async settle(name: string, error?: Error): Promise<void> {
    for (let n = 0; n < 50 && !this.waiting.some((w) => w.name === name); n++) await new Promise((r) => setImmediate(r));
    const i = this.waiting.findIndex((w) => w.name === name);
    if (i < 0) throw new Error(`no outstanding ${name}`);
    const [w] = this.waiting.splice(i, 1);
    if (error) w!.reject(error);
    else w!.resolve(undefined);
    await new Promise((r) => setImmediate(r));
  }

  private endpoint(): Endpoint {
    return { address: '127.0.0.1', port: this.port++ };
  }

  createCluster(spec: ClusterSpec) {
    return this.wait(`createCluster:${spec.clusterId}`, { endpoint: this.endpoint(), readerEndpoint: { address: '127.0.0.2', port: this.port - 1 } });
  }
  createInstance(spec: InstanceSpec) {
    return this.wait(`createInstance:${spec.instanceId}:${spec.role}`, { endpoint: this.endpoint() });
  }
  deleteInstance(id: string) {
    return this.wait(`deleteInstance:${id}`, undefined);
  }
  deleteCluster(id: string) {
    return this.wait(`deleteCluster:${id}`, undefined);
  }
  failover(clusterId: string, newWriterId: string) {
    return this.wait(`failover:${clusterId}:${newWriterId}`, undefined);
  }
  rebootInstance(id: string) {
    return this.wait(`rebootInstance:${id}`, undefined);
  }
  createSnapshot(kind: 'cluster' | 'instance', sourceId: string, snapshotId: string) {
    return this.wait(`createSnapshot:${kind}:${sourceId}:${snapshotId}`, undefined);
  }
  deleteSnapshot(id: string) {
    return this.wait(`deleteSnapshot:${id}`, undefined);
  }
}

/** A SimCloud on a ControlledDataPlane, and its RDS caller. */
function onControlledDataPlane() {
  const dp = new ControlledDataPlane();
  const sim = new SimCloud({ dataPlane: dp });
  return { dp, sim, rds: rdsOf(sim) };
}

/**
 * Asks for cluster "lab" with writer "w" and reader "r", then lets the data plane finish the cluster and
 * the writer; the reader's createInstance is left pending for the test to settle.
 */
async function createLabWithReader(rds: ServiceCaller, dp: ControlledDataPlane) {
  await rds('CreateDBCluster', CLUSTER);
  await rds('CreateDBInstance', member('w'));
  await rds('CreateDBInstance', member('r'));
  await dp.settle('createCluster:lab');
  await dp.settle('createInstance:w:writer');
}

describe('with a data plane', () => {
  it('becomes available only when the data plane is done, with its endpoints', async () => {
    const { dp, rds } = onControlledDataPlane();
    const created = await rds('CreateDBCluster', CLUSTER);
    expect(created.DBCluster.Endpoint).toBeUndefined();
    expect((await rds('DescribeDBClusters')).DBClusters[0].Status).toBe('creating');
    await dp.settle('createCluster:lab');
    const c = (await rds('DescribeDBClusters')).DBClusters[0];
    expect(c).toMatchObject({ Status: 'available', Endpoint: '127.0.0.1', Port: 40000, ReaderEndpoint: '127.0.0.2' });
    await rds('CreateDBInstance', member('w'));
    await dp.settle('createInstance:w:writer');
    expect((await rds('DescribeDBInstances')).DBInstances[0]).toMatchObject({ DBInstanceStatus: 'available', Endpoint: { Address: '127.0.0.1', Port: 40001 } });
  });

  it('writes the reader endpoint as address:port when its port differs from the cluster port', async () => {
    const dp = new ControlledDataPlane();
    dp.createCluster = async () => ({ endpoint: { address: '127.0.0.1', port: 6001 }, readerEndpoint: { address: '127.0.0.1', port: 6002 } });
    const rds = rdsOf(new SimCloud({ dataPlane: dp }));
    await rds('CreateDBCluster', CLUSTER);
    await new Promise((r) => setImmediate(r));
    expect((await rds('DescribeDBClusters')).DBClusters[0]).toMatchObject({ Endpoint: '127.0.0.1', Port: 6001, ReaderEndpoint: '127.0.0.1:6002' });
  });

  it('waits for the delay as well as for the data plane', async () => {
    const clock = { t: 0 };
    const dp = new ControlledDataPlane();
    const rds = rdsOf(new SimCloud({ dataPlane: dp, now: () => clock.t, delays: { create: 1000 } }));
    await rds('CreateDBCluster', CLUSTER);
    await dp.settle('createCluster:lab');
    expect((await rds('DescribeDBClusters')).DBClusters[0].Status).toBe('creating');
    clock.t = 1000;
    expect((await rds('DescribeDBClusters')).DBClusters[0].Status).toBe('available');
  });

  it('runs the data-plane calls of one cluster in order: a reader starts after the writer', async () => {
    const { dp, sim, rds } = onControlledDataPlane();
    await createLabWithReader(rds, dp);
    expect(dp.calls).toEqual(['createCluster:lab', 'createInstance:w:writer', 'createInstance:r:reader']);
    await dp.settle('createInstance:r:reader');
    await sim.idle();
  });

  it('puts a resource whose data-plane work fails in "failed" and records why', async () => {
    const { dp, sim, rds } = onControlledDataPlane();
    await rds('CreateDBCluster', CLUSTER);
    await dp.settle('createCluster:lab');
    await rds('CreateDBInstance', member('w'));
    await dp.settle('createInstance:w:writer', new Error('initdb failed'));
    expect((await rds('DescribeDBInstances')).DBInstances[0].DBInstanceStatus).toBe('failed');
    expect(sim.failures).toEqual([expect.objectContaining({ resource: 'arn:aws:rds:us-east-1:123456789012:db:w', operation: 'createInstance', message: 'initdb failed' })]);
  });

  it('shows "failing-over" while the data plane fails over, then the new writer; a failed failover keeps the writer', async () => {
    const { dp, rds } = onControlledDataPlane();
    await createLabWithReader(rds, dp);
    await dp.settle('createInstance:r:reader');
    await rds('FailoverDBCluster', { DBClusterIdentifier: 'lab' });
    expect((await rds('DescribeDBClusters')).DBClusters[0].Status).toBe('failing-over');
    await dp.settle('failover:lab:r', new Error('promote failed'));
    let c = (await rds('DescribeDBClusters')).DBClusters[0];
    expect(c.Status).toBe('available');
    expect(c.DBClusterMembers.find((m: any) => m.IsClusterWriter).DBInstanceIdentifier).toBe('w');
    await rds('FailoverDBCluster', { DBClusterIdentifier: 'lab' });
    await dp.settle('failover:lab:r');
    c = (await rds('DescribeDBClusters')).DBClusters[0];
    expect(c.DBClusterMembers.find((m: any) => m.IsClusterWriter).DBInstanceIdentifier).toBe('r');
  });

  it('keeps a deleting resource until the data plane has deleted it', async () => {
    const { dp, rds } = onControlledDataPlane();
    await rds('CreateDBCluster', CLUSTER);
    await dp.settle('createCluster:lab');
    await rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true });
    expect((await rds('DescribeDBClusters')).DBClusters[0].Status).toBe('deleting');
    await dp.settle('deleteCluster:lab');
    await expect(rds('DescribeDBClusters', { DBClusterIdentifier: 'lab' })).rejects.toBeInstanceOf(SimError);
  });

  it('passes the snapshot to the data plane when a cluster is restored', async () => {
    const seen: ClusterSpec[] = [];
    const dp = new ControlledDataPlane();
    const original = dp.createCluster.bind(dp);
    dp.createCluster = (spec) => {
      seen.push(spec);
      return original(spec);
    };
    const sim = new SimCloud({ dataPlane: dp });
    const rds = rdsOf(sim);
    await rds('CreateDBCluster', CLUSTER);
    await dp.settle('createCluster:lab');
    await rds('CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 's1', DBClusterIdentifier: 'lab' });
    await dp.settle('createSnapshot:cluster:lab:s1');
    expect((await rds('DescribeDBClusterSnapshots')).DBClusterSnapshots[0].Status).toBe('available');
    await rds('RestoreDBClusterFromSnapshot', { DBClusterIdentifier: 'copy', SnapshotIdentifier: 's1', Engine: 'aurora-postgresql' });
    expect(seen[1]).toMatchObject({ clusterId: 'copy', masterUsername: 'admin_user', masterPassword: 'secret-pass-1', fromSnapshot: { snapshotId: 's1', kind: 'cluster' } });
    await dp.settle('createCluster:copy');
  });
});
