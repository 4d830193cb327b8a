/**
 * Teardown against the simulated control plane behind real SDK clients: resources are made the way a
 * lab makes them (tagged with the run's id), torn down, and the simulated account is inspected.
 */
import { describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { MemoryReporter } from '../../src/events.js';
import { runTags, withRunTags, type Tag } from '../../src/engine/tags.js';
import { describeResource } from '../../src/engine/teardown/resource-types.js';
import { teardownResources } from '../../src/engine/teardown/run-teardown.js';
import { SimCloud, type SimCloudOptions } from '../../src/sim/model/cloud.js';
import { simPlugin } from '../../src/sim/in-process.js';
import { SimError } from '../../src/sim/types.js';
import type { ResourceRecord } from '../../src/state/run-state.js';

const RUN = 'run-2025-sim';
const PRIMARY = 'us-east-1';
const SECONDARY = 'eu-west-1';
const ENGINE = 'aurora-postgresql';
const tags = runTags(RUN, 'global', '2099-01-01T00:00:00.000Z');

function world(options: SimCloudOptions = {}) {
  const sim = new SimCloud(options);
  const clients = new AwsClients({
    region: PRIMARY,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
    plugins: async (service, region, mod) => [simPlugin(sim, service, mod, region)],
  });
  const resources: ResourceRecord[] = [];
  const made = (type: string, id: string, region = PRIMARY) => {
    resources.push({ type, id, region, status: 'created', stepId: `create-${id}`, createdAt: new Date().toISOString() });
  };
  /** A create call as the runner sends it: the run's tags added. */
  const create = (service: 'rds' | 'ec2', operation: string, input: Record<string, unknown>, region = PRIMARY) =>
    clients.send(service, operation, withRunTags(service, operation, input, tags), { region });
  const reporter = new MemoryReporter();
  const saved: string[] = [];
  const teardown = (records = resources) =>
    teardownResources({
      resources: records,
      runId: RUN,
      clients,
      reporter,
      waiterDelays: { min: 0.01, max: 0.05 },
      maxWaitSeconds: 5,
      onChange: async (r) => {
        saved.push(`${r.type}/${r.id}=${r.status}`);
      },
    });
  return { sim, clients, resources, made, create, reporter, saved, teardown };
}

/** Everything in the simulated account that carries this run's tag. */
function runResources(sim: SimCloud): string[] {
  const state = sim.toJSON() as unknown as Record<string, unknown>;
  const out: string[] = [];
  for (const [kind, recs] of Object.entries(state)) {
    if (!recs || typeof recs !== 'object' || Array.isArray(recs)) continue;
    for (const [key, rec] of Object.entries(recs as Record<string, { tags?: Tag[] }>)) {
      if (rec?.tags?.some((t) => t.Key === 'aurora-lab:run-id' && t.Value === RUN)) out.push(`${kind}:${key}`);
    }
  }
  return out.sort();
}

/** A global database in two regions plus everything around it, as a lab would make it. */
async function buildGlobalLab(w: ReturnType<typeof world>) {
  const { create, made, clients } = w;
  const sg = await create('ec2', 'CreateSecurityGroup', { GroupName: 'lab-sg', Description: 'aurora-lab' });
  made('security-group', String(sg.GroupId));
  const subnets = ((await clients.send('ec2', 'DescribeSubnets', {})).Subnets as { SubnetId: string }[]).map((s) => s.SubnetId);
  await create('rds', 'CreateDBSubnetGroup', { DBSubnetGroupName: 'lab-subnets', DBSubnetGroupDescription: 'lab', SubnetIds: subnets });
  made('db-subnet-group', 'lab-subnets');
  await create('rds', 'CreateDBClusterParameterGroup', {
    DBClusterParameterGroupName: 'lab-cpg',
    DBParameterGroupFamily: 'aurora-postgresql16',
    Description: 'lab',
  });
  made('db-cluster-parameter-group', 'lab-cpg');
  await create('rds', 'CreateGlobalCluster', { GlobalClusterIdentifier: 'lab-global', Engine: ENGINE });
  made('global-cluster', 'lab-global');
  await create('rds', 'CreateDBCluster', {
    DBClusterIdentifier: 'lab-primary',
    Engine: ENGINE,
    MasterUsername: 'lab',
    MasterUserPassword: 'secret-password-1',
    GlobalClusterIdentifier: 'lab-global',
    DBSubnetGroupName: 'lab-subnets',
    DBClusterParameterGroupName: 'lab-cpg',
    VpcSecurityGroupIds: [sg.GroupId],
  });
  made('db-cluster', 'lab-primary');
  await create('rds', 'CreateDBInstance', {
    DBInstanceIdentifier: 'lab-primary-1',
    DBClusterIdentifier: 'lab-primary',
    Engine: ENGINE,
    DBInstanceClass: 'db.r6g.large',
  });
  made('db-instance', 'lab-primary-1');
  await create('rds', 'CreateDBCluster', { DBClusterIdentifier: 'lab-secondary', Engine: ENGINE, GlobalClusterIdentifier: 'lab-global' }, SECONDARY);
  made('db-cluster', 'lab-secondary', SECONDARY);
  await create(
    'rds',
    'CreateDBInstance',
    { DBInstanceIdentifier: 'lab-secondary-1', DBClusterIdentifier: 'lab-secondary', Engine: ENGINE, DBInstanceClass: 'db.r6g.large' },
    SECONDARY,
  );
  made('db-instance', 'lab-secondary-1', SECONDARY);
  await create('rds', 'CreateDBClusterSnapshot', { DBClusterSnapshotIdentifier: 'lab-snap', DBClusterIdentifier: 'lab-primary' });
  made('db-cluster-snapshot', 'lab-snap');
}

/** A plain cluster with one instance. */
async function buildCluster(w: ReturnType<typeof world>, id: string, extra: Record<string, unknown> = {}) {
  await w.create('rds', 'CreateDBCluster', { DBClusterIdentifier: id, Engine: ENGINE, MasterUsername: 'lab', MasterUserPassword: 'secret-password-1', ...extra });
  w.made('db-cluster', id);
  await w.create('rds', 'CreateDBInstance', { DBInstanceIdentifier: `${id}-1`, DBClusterIdentifier: id, Engine: ENGINE, DBInstanceClass: 'db.r6g.large' });
  w.made('db-instance', `${id}-1`);
}

const mutating = (calls: { operation: string }[]) => calls.map((c) => c.operation).filter((o) => !/^(Describe|List)/.test(o));

describe('teardownResources against the simulated control plane', () => {
  it("leaves the simulated account empty of the run's resources, a global database in two regions included", async () => {
    const w = world();
    await buildGlobalLab(w);
    expect(runResources(w.sim)).toHaveLength(w.resources.length);

    const result = await w.teardown();

    expect(result.failed).toEqual([]);
    expect(runResources(w.sim)).toEqual([]);
    expect(w.resources.every((r) => r.status === 'deleted')).toBe(true);
    expect(result.deleted).toHaveLength(w.resources.length);
    // Every status change was handed to the caller to save.
    expect(w.saved.filter((s) => s.endsWith('=deleted'))).toHaveLength(w.resources.length);
    expect(w.reporter.codes().at(-1)).toBe('teardown.done');
  });

  it('detaches the global secondary before the primary, each in its own region, and deletes the global cluster only after both', async () => {
    const w = world();
    await buildGlobalLab(w);

    const { calls } = await w.teardown();

    const order = calls
      .filter((c) => ['RemoveFromGlobalCluster', 'DeleteGlobalCluster', 'DeleteDBCluster'].includes(c.operation))
      .map((c) => `${c.operation} ${c.region} ${String((c.input as Record<string, string>).DbClusterIdentifier ?? (c.input as Record<string, string>).DBClusterIdentifier ?? (c.input as Record<string, string>).GlobalClusterIdentifier).split(':').pop()}`);
    expect(order.slice(0, 2)).toEqual([`RemoveFromGlobalCluster ${SECONDARY} lab-secondary`, `RemoveFromGlobalCluster ${PRIMARY} lab-primary`]);
    expect(order.slice(2, 4).sort()).toEqual([`DeleteDBCluster ${SECONDARY} lab-secondary`, `DeleteDBCluster ${PRIMARY} lab-primary`].sort());
    // The global cluster, empty since both members were detached, goes last.
    expect(order.slice(4)).toEqual([`DeleteGlobalCluster ${PRIMARY} lab-global`]);
  });

  it('succeeds again and deletes nothing when run a second time, even from records that still say created', async () => {
    const w = world();
    await buildCluster(w, 'lab');
    const stale = structuredClone(w.resources);
    await w.teardown();

    const again = await w.teardown();
    expect(again).toMatchObject({ failed: [], deleted: [], calls: [] });

    // State that was never saved: the records still say 'created'. Describe finds nothing, nothing is deleted.
    const fromStale = await w.teardown(stale);
    expect(fromStale.failed).toEqual([]);
    expect(mutating(fromStale.calls)).toEqual([]);
    expect(stale.map((r) => r.status)).toEqual(['deleted', 'deleted']);
  });

  it('never deletes a cluster without the run tag, even when the run recorded its id', async () => {
    const w = world();
    // Made directly through the SDK, without aurora-lab's tags.
    await w.clients.send('rds', 'CreateDBCluster', { DBClusterIdentifier: 'not-ours', Engine: ENGINE, MasterUsername: 'x', MasterUserPassword: 'secret-password-2' });
    w.made('db-cluster', 'not-ours');
    await buildCluster(w, 'ours');

    const result = await w.teardown();

    expect(result.failed.map((f) => f.resource.id)).toEqual(['not-ours']);
    expect(w.reporter.codes()).toContain('teardown.not-owned');
    expect((await describeResource(w.clients, 'db-cluster', 'not-ours', PRIMARY)).exists).toBe(true);
    expect((await describeResource(w.clients, 'db-cluster', 'ours', PRIMARY)).exists).toBe(false);
    expect(w.resources.find((r) => r.id === 'not-ours')?.status).toBe('delete-failed');
  });

  it('deletes a cluster with deletion protection on', async () => {
    const w = world();
    await buildCluster(w, 'guarded', { DeletionProtection: true });

    const result = await w.teardown();

    expect(result.failed).toEqual([]);
    expect(mutating(result.calls)).toEqual(['DeleteDBInstance', 'ModifyDBCluster', 'DeleteDBCluster']);
    expect(runResources(w.sim)).toEqual([]);
  });

  it('retries an instance AWS says is busy, then deletes it', async () => {
    let refused = 0;
    const w = world({
      inject: (call) => {
        if (call.operation === 'DeleteDBInstance' && refused === 0) {
          refused += 1;
          return new SimError('InvalidDBInstanceState', 'Instance lab-1 is not in available state.');
        }
        return undefined;
      },
    });
    await buildCluster(w, 'lab');

    const result = await w.teardown();

    expect(refused).toBe(1);
    expect(result.failed).toEqual([]);
    expect(mutating(result.calls).filter((o) => o === 'DeleteDBInstance')).toHaveLength(2);
    expect(w.reporter.events.find((e) => e.code === 'teardown.retry')?.data).toMatchObject({ type: 'db-instance', id: 'lab-1', code: 'InvalidDBInstanceStateFault' });
    expect(runResources(w.sim)).toEqual([]);
  });

  it('starts a stopped cluster so that it can be deleted, rather than leave it to restart in 7 days', async () => {
    const w = world();
    await buildCluster(w, 'sleepy');
    await w.clients.send('rds', 'StopDBCluster', { DBClusterIdentifier: 'sleepy' });
    expect((await describeResource(w.clients, 'db-cluster', 'sleepy', PRIMARY)).status).toBe('stopped');

    const result = await w.teardown();

    expect(result.failed).toEqual([]);
    expect(mutating(result.calls)).toEqual(['StartDBCluster', 'DeleteDBInstance', 'DeleteDBCluster']);
    expect(runResources(w.sim)).toEqual([]);
  });

  it("deletes a cluster's tagged instance whose record was lost (a crash between the create and the save)", async () => {
    const w = world();
    await buildCluster(w, 'lab');
    const records = w.resources.filter((r) => r.type === 'db-cluster');

    const result = await w.teardown(records);

    expect(result.failed).toEqual([]);
    expect(mutating(result.calls)).toEqual(['DeleteDBInstance', 'DeleteDBCluster']);
    expect(runResources(w.sim)).toEqual([]);
  });

  it('detaches a cluster from a global cluster of this run whose record was lost, then deletes both clusters', async () => {
    const w = world();
    await buildGlobalLab(w);
    const withoutGlobal = w.resources.filter((r) => r.type !== 'global-cluster');

    const result = await w.teardown(withoutGlobal);

    expect(result.failed).toEqual([]);
    const detached = result.calls
      .filter((c) => c.operation === 'RemoveFromGlobalCluster')
      .map((c) => `${c.region} ${String((c.input as { DbClusterIdentifier: string }).DbClusterIdentifier).split(':').pop()}`);
    // Both clusters are deleted in parallel: the primary's detach is refused (busy) until the secondary's is done.
    expect([...new Set(detached)].sort()).toEqual([`${SECONDARY} lab-secondary`, `${PRIMARY} lab-primary`].sort());
    // Only the global cluster, which no record names, is left.
    expect(runResources(w.sim)).toEqual(['globalClusters:lab-global']);
  });

  it('refuses, without waiting, to delete a cluster attached to a global cluster the run did not create', async () => {
    const w = world();
    await w.clients.send('rds', 'CreateGlobalCluster', { GlobalClusterIdentifier: 'their-global', Engine: ENGINE });
    await buildCluster(w, 'joined', { GlobalClusterIdentifier: 'their-global' });
    const started = Date.now();

    const result = await w.teardown();

    expect(Date.now() - started).toBeLessThan(4000);
    expect(result.failed.map((f) => f.resource.id)).toEqual(['joined']);
    expect(result.failed[0]!.error).toMatch(/member of global cluster their-global, which this run did not create/);
    expect(mutating(result.calls)).toEqual(['DeleteDBInstance']);
    expect((await describeResource(w.clients, 'db-cluster', 'joined', PRIMARY)).exists).toBe(true);
  });

  it('gives the runner what it needs to adopt a resource a resumed create finds already there', async () => {
    const w = world();
    const made = await w.create('rds', 'CreateDBCluster', { DBClusterIdentifier: 'lab', Engine: ENGINE, MasterUsername: 'lab', MasterUserPassword: 'secret-password-1' });
    const again = await w.create('rds', 'CreateDBCluster', { DBClusterIdentifier: 'lab', Engine: ENGINE, MasterUsername: 'lab', MasterUserPassword: 'secret-password-1' }).catch((e: unknown) => e);
    const { isAlreadyExists } = await import('../../src/engine/teardown/resource-types.js');
    expect(isAlreadyExists('db-cluster', again)).toBe(true);

    const found = await describeResource(w.clients, 'db-cluster', 'lab', PRIMARY);
    expect(found.exists).toBe(true);
    expect(found.tags).toEqual(expect.arrayContaining(tags));
    const createOutput = found.createOutput as { DBCluster: Record<string, unknown> };
    expect(Object.keys(createOutput)).toEqual(['DBCluster']);
    expect(createOutput.DBCluster.DBClusterArn).toBe((made.DBCluster as Record<string, unknown>).DBClusterArn);
  });
});
