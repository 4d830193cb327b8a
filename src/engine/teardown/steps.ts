/**
 * Deleting one resource: Describe, the ownership guard, what each type needs first (a stopped cluster
 * started, the cluster's remaining instances deleted, deletion protection turned off), the delete
 * call with busy retries, then a wait until a fresh Describe finds it gone.
 */
import { AwsError } from '../../errors.js';
import type { ResourceType } from '../../labs/schema.js';
import type { TeardownContext } from './context.js';
import { detachClusterFromGlobal, prepareGlobalClusterDelete } from './global.js';
import { assertOwned, isOwned } from './ownership.js';
import { GOING_STATUSES, isNotFound, RESOURCE_SPECS, type DescribedResource } from './resource-types.js';

export async function deleteResource(ctx: TeardownContext, type: ResourceType, id: string, region: string): Promise<void> {
  const spec = RESOURCE_SPECS[type];
  const found = await ctx.describe(type, id, region);
  if (!found.exists) {
    ctx.emit('teardown.gone', 'info', `${type} ${id} is gone`, { type, id, region, already: true });
    return;
  }
  assertOwned(ctx.runId, type, id, found.tags);
  if (!GOING_STATUSES.has(found.status ?? '')) {
    if (type === 'db-cluster') await prepareClusterDelete(ctx, id, region, found);
    if (type === 'db-instance') await prepareInstanceDelete(ctx, id, region, found);
    if (type === 'global-cluster') await prepareGlobalClusterDelete(ctx, id, region, found);
    if (type === 'iam-role') await prepareRoleDelete(ctx, id, region);
    const input = spec.delete.input(id, found.raw ?? {});
    ctx.emit('teardown.delete', 'info', `deleting ${type} ${id}`, { type, id, region, operation: spec.delete.operation });
    await ctx.retryBusy({ type, id, operation: spec.delete.operation }, async () => {
      try {
        await ctx.send(spec.service, spec.delete.operation, input, { region });
      } catch (err) {
        if (!isNotFound(type, err)) throw err;
      }
    });
  }
  await ctx.waitGone(type, id, region);
  ctx.emit('teardown.gone', 'info', `${type} ${id} is gone`, { type, id, region });
}

/**
 * AWS deletes neither a stopped cluster nor its instances (Aurora User Guide, "Deleting a stopped
 * Aurora cluster": start it first). Left stopped, it would start by itself after 7 days and bill.
 */
export async function startIfStopped(ctx: TeardownContext, id: string, region: string): Promise<void> {
  let found = await ctx.describe('db-cluster', id, region);
  // Gone, or not ours: the delete phase reports it; starting someone else's cluster is not our call.
  if (!found.exists || !isOwned(found.tags, ctx.runId)) return;
  if (found.status === 'stopping') {
    await ctx.pollUntil(`cluster ${id} to finish stopping`, async () => {
      found = await ctx.describe('db-cluster', id, region);
      return !found.exists || found.status !== 'stopping';
    });
    if (!found.exists) return;
  }
  if (found.status !== 'stopped') return;
  ctx.emit('teardown.start-cluster', 'info', `starting stopped cluster ${id}: AWS deletes only running clusters`, { type: 'db-cluster', id, region });
  await ctx.retryBusy({ type: 'db-cluster', id, operation: 'StartDBCluster' }, () =>
    ctx.send('rds', 'StartDBCluster', { DBClusterIdentifier: id }, { region }),
  );
  await ctx.pollUntil(`cluster ${id} to start`, async () => {
    const now = await ctx.describe('db-cluster', id, region);
    return !now.exists || now.status === 'available';
  });
}

interface ClusterMember {
  DBInstanceIdentifier?: string;
}

/**
 * Before DeleteDBCluster: a stopped cluster started, the cluster out of any global cluster, its
 * instances gone (a safety net for instances whose record was lost: deleted when they carry this
 * run's tag, refused otherwise), and deletion protection off.
 */
export async function prepareClusterDelete(ctx: TeardownContext, id: string, region: string, found: DescribedResource): Promise<void> {
  if (found.status === 'stopped' || found.status === 'stopping') {
    await startIfStopped(ctx, id, region);
  }
  await detachClusterFromGlobal(ctx, id, region, found);
  const memberIds = (Array.isArray(found.raw?.DBClusterMembers) ? (found.raw.DBClusterMembers as ClusterMember[]) : [])
    .map((m) => m.DBInstanceIdentifier)
    .filter((m): m is string => typeof m === 'string');
  if (memberIds.length > 0) {
    const members = await Promise.all(memberIds.map(async (m) => ({ id: m, found: await ctx.describe('db-instance', m, region) })));
    const foreign = members.filter((m) => m.found.exists && !isOwned(m.found.tags, ctx.runId));
    if (foreign.length > 0) {
      throw new AwsError(`cluster ${id} has instances this run did not create: ${foreign.map((m) => m.id).join(', ')}`, {
        code: 'NOT_OWNED',
        hint: 'delete those instances yourself if they are yours, then run teardown again',
      });
    }
    await Promise.all(members.filter((m) => m.found.exists).map((m) => deleteResource(ctx, 'db-instance', m.id, region)));
  }
  if (found.raw?.DeletionProtection === true) {
    ctx.emit('teardown.unprotect', 'info', `turning off deletion protection of cluster ${id}`, { type: 'db-cluster', id, region });
    await ctx.retryBusy({ type: 'db-cluster', id, operation: 'ModifyDBCluster' }, () =>
      ctx.send('rds', 'ModifyDBCluster', { DBClusterIdentifier: id, DeletionProtection: false, ApplyImmediately: true }, { region }),
    );
  }
}

/** A standalone instance may have deletion protection too. */
export async function prepareInstanceDelete(ctx: TeardownContext, id: string, region: string, found: DescribedResource): Promise<void> {
  if (found.raw?.DeletionProtection === true) {
    ctx.emit('teardown.unprotect', 'info', `turning off deletion protection of instance ${id}`, { type: 'db-instance', id, region });
    await ctx.retryBusy({ type: 'db-instance', id, operation: 'ModifyDBInstance' }, () =>
      ctx.send('rds', 'ModifyDBInstance', { DBInstanceIdentifier: id, DeletionProtection: false, ApplyImmediately: true }, { region }),
    );
  }
}

/** IAM deletes no role with managed policies attached (DeleteConflict): detach each first. */
export async function prepareRoleDelete(ctx: TeardownContext, id: string, region: string): Promise<void> {
  const out = await ctx.send('iam', 'ListAttachedRolePolicies', { RoleName: id }, { region });
  const arns = (Array.isArray(out.AttachedPolicies) ? (out.AttachedPolicies as { PolicyArn?: string }[]) : []).map((p) => p.PolicyArn).filter((a): a is string => typeof a === 'string');
  for (const arn of arns) {
    ctx.emit('teardown.detach-policy', 'info', `detaching ${arn} from role ${id}`, { type: 'iam-role', id, region, policyArn: arn });
    try {
      await ctx.send('iam', 'DetachRolePolicy', { RoleName: id, PolicyArn: arn }, { region });
    } catch (err) {
      if (!isNotFound('iam-role', err)) throw err;
    }
  }
}
