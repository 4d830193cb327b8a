/**
 * Global databases: AWS deletes a global cluster only once it has no members, and a member cluster
 * only once it is detached. Secondaries are detached first, the primary last (RemoveFromGlobalCluster,
 * called in the member's own region), and there is no SDK waiter for any of it: poll the Describe.
 */
import { AwsError } from '../../errors.js';
import type { ResourceRecord } from '../../state/run-state.js';
import type { TeardownContext } from './context.js';
import { assertOwned, isOwned } from './ownership.js';
import { hasCode, regionOfArn, resourceIdOfArn, type DescribedResource } from './resource-types.js';

interface GlobalMember {
  DBClusterArn?: string;
  IsWriter?: boolean;
}

const members = (raw: Record<string, unknown> | undefined): GlobalMember[] =>
  Array.isArray(raw?.GlobalClusterMembers) ? (raw.GlobalClusterMembers as GlobalMember[]) : [];

/**
 * Detach the secondaries (or the primary) of a global cluster and wait until they are detached.
 * Returns false when the global cluster no longer exists.
 */
export async function detachGlobalMembers(ctx: TeardownContext, r: ResourceRecord, which: 'secondaries' | 'primary'): Promise<boolean> {
  const found = await ctx.describe('global-cluster', r.id, r.region);
  if (!found.exists) return false;
  assertOwned(ctx.runId, 'global-cluster', r.id, found.tags);
  const targets = members(found.raw).filter((m) => m.DBClusterArn && Boolean(m.IsWriter) === (which === 'primary'));
  if (targets.length === 0) return true;

  await Promise.all(
    targets.map(async (m) => {
      const arn = m.DBClusterArn!;
      const region = regionOfArn(arn) ?? r.region;
      const clusterId = resourceIdOfArn(arn);
      const cluster = await ctx.describe('db-cluster', clusterId, region);
      // Detaching turns a secondary into a standalone, writable cluster: only ever do it to our own.
      if (cluster.exists) assertOwned(ctx.runId, 'db-cluster', clusterId, cluster.tags);
      await removeMember(ctx, r.id, arn, region, which === 'primary' ? 'primary' : 'secondary');
    }),
  );

  const arns = new Set(targets.map((m) => m.DBClusterArn));
  let exists = true;
  await ctx.pollUntil(`detaching the ${which} of global cluster ${r.id}`, async () => {
    const now = await ctx.describe('global-cluster', r.id, r.region);
    exists = now.exists;
    return !now.exists || !members(now.raw).some((m) => arns.has(m.DBClusterArn));
  });
  return exists;
}

async function removeMember(ctx: TeardownContext, globalId: string, arn: string, region: string, role: string): Promise<void> {
  ctx.emit('teardown.detach', 'info', `detaching ${resourceIdOfArn(arn)} (${region}) from global cluster ${globalId}`, {
    type: 'global-cluster',
    id: globalId,
    member: arn,
    region,
    role,
  });
  await ctx.retryBusy({ type: 'global-cluster', id: globalId, operation: 'RemoveFromGlobalCluster' }, async () => {
    try {
      await ctx.send('rds', 'RemoveFromGlobalCluster', { GlobalClusterIdentifier: globalId, DbClusterIdentifier: arn }, { region });
    } catch (err) {
      // Already detached, or the member (or the global cluster) is gone: nothing left to do.
      if (!hasCode(err, ['GlobalClusterNotFoundFault', 'DBClusterNotFoundFault'])) throw err;
    }
  });
}

/**
 * A cluster about to be deleted is still in a global cluster (whose record the run lost): detach it
 * when the global cluster is this run's too, refuse otherwise. AWS deletes no attached cluster.
 */
export async function detachClusterFromGlobal(ctx: TeardownContext, clusterId: string, region: string, found: DescribedResource): Promise<void> {
  const globalId = typeof found.raw?.GlobalClusterIdentifier === 'string' ? found.raw.GlobalClusterIdentifier : undefined;
  const arn = typeof found.raw?.DBClusterArn === 'string' ? found.raw.DBClusterArn : undefined;
  if (!globalId || !arn) return;
  const global = await ctx.describe('global-cluster', globalId, region);
  if (!global.exists || !members(global.raw).some((m) => m.DBClusterArn === arn)) return;
  if (!isOwned(global.tags, ctx.runId)) {
    throw new AwsError(`cluster ${clusterId} is a member of global cluster ${globalId}, which this run did not create`, {
      code: 'NOT_OWNED',
      hint: `detach it yourself (RemoveFromGlobalCluster) if it is yours, then run teardown again`,
    });
  }
  await removeMember(ctx, globalId, arn, region, 'member');
  await ctx.pollUntil(`detaching ${clusterId} from global cluster ${globalId}`, async () => {
    const now = await ctx.describe('global-cluster', globalId, region);
    return !now.exists || !members(now.raw).some((m) => m.DBClusterArn === arn);
  });
}

/** Before DeleteGlobalCluster: no members may remain, and deletion protection must be off. */
export async function prepareGlobalClusterDelete(ctx: TeardownContext, id: string, region: string, found: DescribedResource): Promise<void> {
  const left = members(found.raw);
  if (left.length > 0) {
    throw new AwsError(`global cluster ${id} still has members: ${left.map((m) => m.DBClusterArn).join(', ')}`, {
      code: 'TEARDOWN_BLOCKED',
      hint: 'a member was attached after teardown detached the others, or could not be detached; run teardown again',
    });
  }
  if (found.raw?.DeletionProtection === true) {
    await ctx.retryBusy({ type: 'global-cluster', id, operation: 'ModifyGlobalCluster' }, () =>
      ctx.send('rds', 'ModifyGlobalCluster', { GlobalClusterIdentifier: id, DeletionProtection: false }, { region }),
    );
  }
}
