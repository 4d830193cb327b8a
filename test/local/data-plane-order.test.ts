/**
 * The order in which the model hands a cluster's work to the data plane: one call after another, except
 * that readers added together are built together (after the writer), and members deleted together are
 * deleted together (so the local data plane sees a whole cluster going and fails nothing over).
 */
import { describe, expect, it } from 'vitest';
import type { ClusterSpec, DataPlane, Endpoint, InstanceSpec } from '../../src/sim/data-plane.js';
import { SimCloud } from '../../src/sim/model/cloud.js';

const REGION = 'us-east-1';
const CLUSTER = { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'admin_user', MasterUserPassword: 'secret-pass-1' };
const member = (id: string) => ({ DBInstanceIdentifier: id, DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', DBInstanceClass: 'db.r6g.large' });

/** Records which calls are running at once; each call finishes only when the test says so. */
class RecordingDataPlane implements DataPlane {
  readonly running = new Set<string>();
  readonly started: string[] = [];
  /** For each call, the calls that were running when it started. */
  readonly alongside = new Map<string, string[]>();
  private readonly release = new Map<string, () => void>();
  private port = 41000;

  private run<T>(key: string, value: T): Promise<T> {
    this.alongside.set(key, [...this.running]);
    this.running.add(key);
    this.started.push(key);
    return new Promise<T>((resolve) => {
      this.release.set(key, () => {
        this.running.delete(key);
        resolve(value);
      });
    });
  }

  /** Finish a running call and let the model go on. */
  async finish(key: string): Promise<void> {
    const done = this.release.get(key);
    if (!done) throw new Error(`${key} is not running (running: ${[...this.running].join(', ')})`);
    done();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  }

  private endpoint(): Endpoint {
    return { address: '127.0.0.1', port: this.port++ };
  }
  createCluster(spec: ClusterSpec) {
    return this.run(`createCluster:${spec.clusterId}`, { endpoint: this.endpoint(), readerEndpoint: this.endpoint() });
  }
  createInstance(spec: InstanceSpec) {
    return this.run(`createInstance:${spec.instanceId}`, { endpoint: this.endpoint() });
  }
  deleteInstance(id: string) {
    return this.run(`deleteInstance:${id}`, undefined);
  }
  deleteCluster(id: string) {
    return this.run(`deleteCluster:${id}`, undefined);
  }
  failover(clusterId: string, newWriterId: string) {
    return this.run(`failover:${clusterId}:${newWriterId}`, undefined);
  }
  rebootInstance(id: string) {
    return this.run(`rebootInstance:${id}`, undefined);
  }
  createSnapshot(kind: 'cluster' | 'instance', sourceId: string, snapshotId: string) {
    return this.run(`createSnapshot:${kind}:${sourceId}:${snapshotId}`, undefined);
  }
  deleteSnapshot(id: string) {
    return this.run(`deleteSnapshot:${id}`, undefined);
  }
}

async function cluster() {
  const dp = new RecordingDataPlane();
  const sim = new SimCloud({ dataPlane: dp });
  const rds = (operation: string, input: Record<string, unknown> = {}) =>
    sim.call({ service: 'rds', operation, input, region: REGION }) as Promise<Record<string, any>>;
  await rds('CreateDBCluster', CLUSTER);
  await dp.finish('createCluster:lab');
  return { dp, sim, rds };
}

const statuses = async (rds: Awaited<ReturnType<typeof cluster>>['rds']) =>
  Object.fromEntries(((await rds('DescribeDBInstances')).DBInstances as { DBInstanceIdentifier: string; DBInstanceStatus: string }[])
    .map((i) => [i.DBInstanceIdentifier, i.DBInstanceStatus]));

describe('the order of a cluster\'s data-plane calls', () => {
  it('builds the writer alone, then the readers together; each is available only once its own call is done', async () => {
    const { dp, rds } = await cluster();
    await rds('CreateDBInstance', member('w'));
    await rds('CreateDBInstance', member('r1'));
    await rds('CreateDBInstance', member('r2'));
    await new Promise((r) => setImmediate(r));
    expect([...dp.running]).toEqual(['createInstance:w']);
    await dp.finish('createInstance:w');
    expect([...dp.running].sort()).toEqual(['createInstance:r1', 'createInstance:r2']);
    expect(await statuses(rds)).toEqual({ w: 'available', r1: 'creating', r2: 'creating' });
    await dp.finish('createInstance:r2');
    expect(await statuses(rds)).toEqual({ w: 'available', r1: 'creating', r2: 'available' });
    await dp.finish('createInstance:r1');
    expect(await statuses(rds)).toEqual({ w: 'available', r1: 'available', r2: 'available' });
  });

  it('runs a call of another kind only after every reader is built', async () => {
    const { dp, rds } = await cluster();
    await rds('CreateDBInstance', member('w'));
    await dp.finish('createInstance:w');
    await rds('CreateDBInstance', member('r1'));
    await rds('CreateDBInstance', member('r2'));
    await new Promise((r) => setImmediate(r));
    await dp.finish('createInstance:r1');
    // r1 is available and may be deleted, but its deletion waits for r2's creation.
    await rds('DeleteDBInstance', { DBInstanceIdentifier: 'r1' });
    await new Promise((r) => setImmediate(r));
    expect([...dp.running]).toEqual(['createInstance:r2']);
    await dp.finish('createInstance:r2');
    expect([...dp.running]).toEqual(['deleteInstance:r1']);
    expect(dp.alongside.get('deleteInstance:r1')).toEqual([]);
  });

  it('hands the data plane every member deleted together at once, and the cluster\'s deletion after them', async () => {
    const { dp, rds } = await cluster();
    for (const id of ['w', 'r1', 'r2']) await rds('CreateDBInstance', member(id));
    await new Promise((r) => setImmediate(r));
    await dp.finish('createInstance:w');
    await dp.finish('createInstance:r1');
    await dp.finish('createInstance:r2');
    for (const id of ['w', 'r1', 'r2']) await rds('DeleteDBInstance', { DBInstanceIdentifier: id });
    await new Promise((r) => setImmediate(r));
    expect([...dp.running].sort()).toEqual(['deleteInstance:r1', 'deleteInstance:r2', 'deleteInstance:w']);
    await dp.finish('deleteInstance:w');
    await dp.finish('deleteInstance:r1');
    await dp.finish('deleteInstance:r2');
    expect(await statuses(rds)).toEqual({});
    await rds('DeleteDBCluster', { DBClusterIdentifier: 'lab', SkipFinalSnapshot: true });
    await new Promise((r) => setImmediate(r));
    expect([...dp.running]).toEqual(['deleteCluster:lab']);
    expect(dp.alongside.get('deleteCluster:lab')).toEqual([]);
  });
});
