/**
 * The executor's error paths, against the real SDK clients with their send() mocked: busy answers,
 * ownership refusals, give-ups, aborts, stopped and protected clusters, lost instance records.
 */
import {
  DBClusterNotFoundFault,
  DBClusterSnapshotNotFoundFault,
  DBInstanceNotFoundFault,
  DBSubnetGroupNotFoundFault,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSubnetGroupCommand,
  DescribeDBClustersCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSubnetGroupsCommand,
  InvalidDBClusterSnapshotStateFault,
  InvalidDBInstanceStateFault,
  ListTagsForResourceCommand,
  ModifyDBClusterCommand,
  RDSClient,
  StartDBClusterCommand,
} from '@aws-sdk/client-rds';
import { DeleteSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsClients } from '../../src/aws/clients.js';
import { UserAbort } from '../../src/errors.js';
import { MemoryReporter } from '../../src/events.js';
import { TAG_RUN_ID, runTags } from '../../src/engine/tags.js';
import { teardownResources, type TeardownOptions } from '../../src/engine/teardown/run-teardown.js';
import type { ResourceRecord } from '../../src/state/run-state.js';

const RUN = 'run-abc';
const REGION = 'us-east-1';
const meta = { $metadata: {} };
const mine = runTags(RUN, 'failover', '2099-01-01T00:00:00.000Z');

const rds = mockClient(RDSClient);
const ec2 = mockClient(EC2Client);

afterAll(() => {
  rds.restore();
  ec2.restore();
});

const rec = (type: string, id: string, status: ResourceRecord['status'] = 'created'): ResourceRecord => ({
  type,
  id,
  region: REGION,
  status,
  stepId: 'create',
  createdAt: '2025-01-01T00:00:00.000Z',
});

function setup(resources: ResourceRecord[], extra: Partial<TeardownOptions> = {}) {
  const reporter = new MemoryReporter();
  const changes: string[] = [];
  const clients = new AwsClients({ region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const run = () =>
    teardownResources({
      resources,
      runId: RUN,
      clients,
      reporter,
      waiterDelays: { min: 0.01, max: 0.02 },
      maxWaitSeconds: 2,
      onChange: async (r) => {
        changes.push(`${r.type}/${r.id}=${r.status}`);
      },
      ...extra,
    });
  return { reporter, changes, run };
}

/** An instance that exists until DeleteDBInstance is accepted `busyTimes + 1` times. */
function fakeInstance(id: string, opts: { tags?: unknown[]; busyTimes?: number; clusterId?: string } = {}) {
  let gone = false;
  let deletes = 0;
  rds.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: id }).callsFake(async () => {
    if (gone) throw new DBInstanceNotFoundFault({ message: `DBInstance ${id} not found.`, ...meta });
    return {
      DBInstances: [{ DBInstanceIdentifier: id, DBInstanceStatus: 'available', DBClusterIdentifier: opts.clusterId, TagList: opts.tags ?? mine }],
    };
  });
  rds.on(DeleteDBInstanceCommand, { DBInstanceIdentifier: id }).callsFake(async () => {
    deletes += 1;
    if (deletes <= (opts.busyTimes ?? 0)) throw new InvalidDBInstanceStateFault({ message: 'Instance is being modified', ...meta });
    gone = true;
    return { DBInstance: { DBInstanceIdentifier: id, DBInstanceStatus: 'deleting' } };
  });
  return { deletes: () => deletes };
}

/** A cluster that exists until DeleteDBCluster; ModifyDBCluster and StartDBCluster change it as AWS would. */
function fakeCluster(id: string, opts: { tags?: unknown[]; status?: string; protect?: boolean; members?: string[] } = {}) {
  const c = { status: opts.status ?? 'available', protect: opts.protect ?? false, gone: false };
  rds.on(DescribeDBClustersCommand, { DBClusterIdentifier: id }).callsFake(async () => {
    if (c.gone) throw new DBClusterNotFoundFault({ message: `DBCluster ${id} not found.`, ...meta });
    return {
      DBClusters: [
        {
          DBClusterIdentifier: id,
          Status: c.status,
          DeletionProtection: c.protect,
          DBClusterMembers: (opts.members ?? []).map((m) => ({ DBInstanceIdentifier: m, IsClusterWriter: true })),
          TagList: opts.tags ?? mine,
        },
      ],
    };
  });
  rds.on(ModifyDBClusterCommand, { DBClusterIdentifier: id }).callsFake(async (input: { DeletionProtection?: boolean }) => {
    if (input.DeletionProtection === false) c.protect = false;
    return { DBCluster: { DBClusterIdentifier: id } };
  });
  rds.on(StartDBClusterCommand, { DBClusterIdentifier: id }).callsFake(async () => {
    c.status = 'available';
    return { DBCluster: { DBClusterIdentifier: id, Status: 'starting' } };
  });
  rds.on(DeleteDBClusterCommand, { DBClusterIdentifier: id }).callsFake(async () => {
    if (c.protect) throw Object.assign(new Error('Cannot delete protected Cluster'), { name: 'InvalidParameterCombination' });
    if (c.status === 'stopped') throw Object.assign(new Error('stopped'), { name: 'InvalidDBClusterStateFault' });
    c.gone = true;
    return { DBCluster: { DBClusterIdentifier: id, Status: 'deleting' } };
  });
  return c;
}

const ops = (calls: { operation: string }[]) => calls.map((c) => c.operation);

beforeEach(() => {
  rds.reset();
  ec2.reset();
});

describe('teardownResources against mocked SDK clients', () => {
  it('retries a delete AWS answers busy, then waits until the instance is gone', async () => {
    const inst = fakeInstance('writer', { busyTimes: 2, clusterId: 'lab' });
    const resources = [rec('db-instance', 'writer')];
    const { reporter, changes, run } = setup(resources);

    const result = await run();

    expect(inst.deletes()).toBe(3);
    expect(reporter.codes().filter((c) => c === 'teardown.retry')).toHaveLength(2);
    expect(result.deleted.map((r) => r.id)).toEqual(['writer']);
    expect(result.failed).toEqual([]);
    expect(resources[0]!.status).toBe('deleted');
    expect(resources[0]!.deletedAt).toBeDefined();
    expect(changes).toEqual(['db-instance/writer=deleted']);
    // A cluster member takes no final-snapshot options.
    expect(result.calls.find((c) => c.operation === 'DeleteDBInstance')).toEqual({
      service: 'rds',
      operation: 'DeleteDBInstance',
      input: { DBInstanceIdentifier: 'writer' },
      region: REGION,
    });
    expect(reporter.codes()[0]).toBe('teardown.start');
    expect(reporter.codes().at(-1)).toBe('teardown.done');
  });

  it('deletes a standalone instance without a final snapshot and without its automated backups', async () => {
    fakeInstance('solo');
    const { run } = setup([rec('db-instance', 'solo')]);
    const result = await run();
    expect(result.calls.find((c) => c.operation === 'DeleteDBInstance')?.input).toEqual({
      DBInstanceIdentifier: 'solo',
      SkipFinalSnapshot: true,
      DeleteAutomatedBackups: true,
    });
  });

  it('refuses to delete a cluster tagged by another run, or not tagged at all, and records it as failed', async () => {
    fakeCluster('theirs', { tags: runTags('other-run', 'failover', '2099-01-01T00:00:00.000Z') });
    fakeCluster('untagged', { tags: [{ Key: 'team', Value: 'payments' }] });
    const resources = [rec('db-cluster', 'theirs'), rec('db-cluster', 'untagged')];
    const { reporter, changes, run } = setup(resources);

    const result = await run();

    expect(rds.commandCalls(DeleteDBClusterCommand)).toHaveLength(0);
    expect(rds.commandCalls(ModifyDBClusterCommand)).toHaveLength(0);
    expect(result.deleted).toEqual([]);
    expect(result.failed.map((f) => f.resource.id)).toEqual(['theirs', 'untagged']);
    expect(result.failed[0]!.error).toMatch(/belongs to run other-run/);
    expect(result.failed[1]!.error).toMatch(new RegExp(`no ${TAG_RUN_ID} tag`));
    expect(reporter.events.filter((e) => e.code === 'teardown.not-owned').map((e) => e.level)).toEqual(['error', 'error']);
    expect(changes).toEqual(['db-cluster/theirs=delete-failed', 'db-cluster/untagged=delete-failed']);
  });

  it('refuses an untagged security group (EC2 tags)', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-123', GroupName: 'default', Tags: [] }] });
    const { run } = setup([rec('security-group', 'sg-123')]);
    const result = await run();
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(0);
    expect(result.failed.map((f) => f.resource.id)).toEqual(['sg-123']);
  });

  it('marks a resource Describe no longer finds as deleted, without calling Delete (a create that never happened)', async () => {
    rds.on(DescribeDBClustersCommand).rejects(new DBClusterNotFoundFault({ message: 'DBCluster lab not found.', ...meta }));
    const resources = [rec('db-cluster', 'lab', 'creating')];
    const { reporter, run } = setup(resources);

    const result = await run();

    expect(ops(result.calls).filter((o) => o.startsWith('Delete'))).toEqual([]);
    expect(resources[0]!.status).toBe('deleted');
    expect(result.deleted.map((r) => r.id)).toEqual(['lab']);
    expect(reporter.codes()).toContain('teardown.gone');
  });

  it('gives up on a snapshot still busy after maxWaitSeconds, and still deletes what comes after it', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({
      DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: 'snap', Status: 'creating', TagList: mine }],
    });
    rds.on(DeleteDBClusterSnapshotCommand).rejects(new InvalidDBClusterSnapshotStateFault({ message: 'snapshot is being created', ...meta }));
    let groupGone = false;
    rds.on(DescribeDBSubnetGroupsCommand).callsFake(async () => {
      if (groupGone) throw new DBSubnetGroupNotFoundFault({ message: 'not found', ...meta });
      return { DBSubnetGroups: [{ DBSubnetGroupName: 'lab-subnets', DBSubnetGroupArn: 'arn:aws:rds:us-east-1:123456789012:subgrp:lab-subnets' }] };
    });
    rds.on(ListTagsForResourceCommand).resolves({ TagList: mine });
    rds.on(DeleteDBSubnetGroupCommand).callsFake(async () => {
      groupGone = true;
      return {};
    });
    const resources = [rec('db-cluster-snapshot', 'snap'), rec('db-subnet-group', 'lab-subnets')];
    const { reporter, run } = setup(resources, { maxWaitSeconds: 0.3, waiterDelays: { min: 0.05, max: 0.1 } });

    const result = await run();

    expect(result.failed.map((f) => f.resource.id)).toEqual(['snap']);
    expect(result.failed[0]!.error).toMatch(/still busy/);
    expect(resources.map((r) => r.status)).toEqual(['delete-failed', 'deleted']);
    expect(reporter.codes()).toContain('teardown.failed');
    expect(rds.commandCalls(DeleteDBClusterSnapshotCommand).length).toBeGreaterThan(1);
    // Tags of a subnet group come from ListTagsForResource, by its ARN.
    expect(rds.commandCalls(ListTagsForResourceCommand)[0]!.args[0].input).toEqual({
      ResourceName: 'arn:aws:rds:us-east-1:123456789012:subgrp:lab-subnets',
    });
  });

  it('turns deletion protection off, then deletes the cluster without a final snapshot and without its automated backups', async () => {
    const c = fakeCluster('protected', { protect: true });
    const { run } = setup([rec('db-cluster', 'protected')]);

    const result = await run();

    expect(c.gone).toBe(true);
    const mutating = result.calls.filter((x) => !x.operation.startsWith('Describe'));
    expect(mutating.map((x) => [x.operation, x.input])).toEqual([
      ['ModifyDBCluster', { DBClusterIdentifier: 'protected', DeletionProtection: false, ApplyImmediately: true }],
      ['DeleteDBCluster', { DBClusterIdentifier: 'protected', SkipFinalSnapshot: true, DeleteAutomatedBackups: true }],
    ]);
  });

  it('starts a stopped cluster before deleting it, since AWS deletes only running clusters', async () => {
    const c = fakeCluster('sleepy', { status: 'stopped' });
    const { reporter, run } = setup([rec('db-cluster', 'sleepy')]);

    const result = await run();

    expect(c.gone).toBe(true);
    expect(ops(result.calls).filter((o) => !o.startsWith('Describe'))).toEqual(['StartDBCluster', 'DeleteDBCluster']);
    expect(reporter.codes()).toContain('teardown.start-cluster');
  });

  it("deletes a cluster's instance whose record was lost when it carries the run's tag, before the cluster", async () => {
    fakeInstance('orphan', { clusterId: 'lab' });
    const c = fakeCluster('lab', { members: ['orphan'] });
    const { run } = setup([rec('db-cluster', 'lab')]);

    const result = await run();

    expect(c.gone).toBe(true);
    expect(ops(result.calls).filter((o) => o.startsWith('Delete'))).toEqual(['DeleteDBInstance', 'DeleteDBCluster']);
  });

  it('does not delete a cluster holding an instance the run did not create', async () => {
    fakeInstance('someone-elses', { clusterId: 'lab', tags: [] });
    fakeCluster('lab', { members: ['someone-elses'] });
    const { run } = setup([rec('db-cluster', 'lab')]);

    const result = await run();

    expect(ops(result.calls).filter((o) => o.startsWith('Delete'))).toEqual([]);
    expect(result.failed[0]!.error).toMatch(/instances this run did not create: someone-elses/);
  });

  it('retries what depends on a failed resource only briefly, so that teardown still finishes soon', async () => {
    fakeCluster('theirs', { tags: [] });
    rds.on(DescribeDBSubnetGroupsCommand).resolves({ DBSubnetGroups: [{ DBSubnetGroupName: 'lab-subnets', DBSubnetGroupArn: 'arn:aws:rds:us-east-1:1:subgrp:lab-subnets' }] });
    rds.on(ListTagsForResourceCommand).resolves({ TagList: mine });
    rds.on(DeleteDBSubnetGroupCommand).rejects(Object.assign(new Error('in use by theirs'), { name: 'InvalidDBSubnetGroupStateFault' }));
    const { run } = setup([rec('db-cluster', 'theirs'), rec('db-subnet-group', 'lab-subnets')], {
      maxWaitSeconds: 30,
      busyAfterFailureSeconds: 0.2,
      waiterDelays: { min: 0.05, max: 0.05 },
    });
    const started = Date.now();

    const result = await run();

    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.failed.map((f) => f.resource.id)).toEqual(['theirs', 'lab-subnets']);
    expect(result.failed[1]!.error).toMatch(/still busy after 0.2 s/);
  });

  it('stops with UserAbort when the signal fires, leaving the rest for the next teardown', async () => {
    rds.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: 'snap', Status: 'creating', TagList: mine }] });
    rds.on(DeleteDBClusterSnapshotCommand).rejects(new InvalidDBClusterSnapshotStateFault({ message: 'busy', ...meta }));
    const controller = new AbortController();
    const resources = [rec('db-cluster-snapshot', 'snap'), rec('security-group', 'sg-1')];
    const { reporter, run } = setup(resources, { signal: controller.signal, maxWaitSeconds: 60, waiterDelays: { min: 0.05, max: 0.05 } });
    setTimeout(() => controller.abort(), 120);

    await expect(run()).rejects.toBeInstanceOf(UserAbort);

    expect(resources.map((r) => r.status)).toEqual(['created', 'created']);
    expect(ec2.commandCalls(DescribeSecurityGroupsCommand)).toHaveLength(0);
    expect(reporter.codes()).not.toContain('teardown.done');
  });

  it('treats a snapshot already gone when its delete is sent as deleted', async () => {
    let describes = 0;
    rds.on(DescribeDBClusterSnapshotsCommand).callsFake(async () => {
      describes += 1;
      if (describes > 1) throw new DBClusterSnapshotNotFoundFault({ message: 'gone', ...meta });
      return { DBClusterSnapshots: [{ DBClusterSnapshotIdentifier: 'snap', Status: 'available', TagList: mine }] };
    });
    rds.on(DeleteDBClusterSnapshotCommand).rejects(new DBClusterSnapshotNotFoundFault({ message: 'gone', ...meta }));
    const resources = [rec('db-cluster-snapshot', 'snap')];
    const { run } = setup(resources);
    const result = await run();
    expect(result.failed).toEqual([]);
    expect(resources[0]!.status).toBe('deleted');
  });
});
