/**
 * The teardown executor: runs the plan phase by phase (in parallel within a phase), deletes only what
 * carries this run's tag, retries what AWS says is busy, waits until a fresh Describe finds each
 * resource gone, and reports every change so the caller can save state after each one.
 * Running it again at any time gives the same result: what is gone is simply marked deleted.
 */
import type { AwsClients } from '../../aws/clients.js';
import { errorMessage, UserAbort } from '../../errors.js';
import type { Reporter } from '../../events.js';
import type { ResourceType } from '../../labs/schema.js';
import type { ResourceRecord } from '../../state/run-state.js';
import { TeardownContext, type TeardownCall } from './context.js';
import { detachGlobalMembers } from './global.js';
import { planTeardown, type TeardownAction } from './plan.js';
import { NotOwnedError } from './ownership.js';
import { deleteResource, startIfStopped } from './steps.js';

export interface TeardownOptions {
  resources: ResourceRecord[];
  runId: string;
  clients: AwsClients;
  reporter: Reporter;
  signal?: AbortSignal;
  /** Seconds: first poll delay and the backoff's cap (the dry run and tests make them small). */
  waiterDelays?: { min?: number; max?: number };
  /** Called after each resource's status changes (the records are updated in place); the caller persists state. */
  onChange: (r: ResourceRecord) => Promise<void>;
  /** The longest any one wait or run of busy retries may take (default one hour). */
  maxWaitSeconds?: number;
  /**
   * Once a resource has failed, what depends on it stays busy for good: later busy answers are
   * retried this long only (default 120 s), so that teardown still finishes soon.
   */
  busyAfterFailureSeconds?: number;
}

export interface TeardownResult {
  deleted: ResourceRecord[];
  failed: { resource: ResourceRecord; error: string }[];
  calls: TeardownCall[];
}

const keyOf = (r: ResourceRecord) => `${r.type}\u0000${r.region}\u0000${r.id.toLowerCase()}`;

export async function teardownResources(opts: TeardownOptions): Promise<TeardownResult> {
  const ctx = new TeardownContext(opts);
  const phases = planTeardown(opts.resources);
  const deleted: ResourceRecord[] = [];
  const failed: TeardownResult['failed'] = [];
  const failedKeys = new Set<string>();
  let aborted: unknown;

  // A record kept twice (a resumed run) follows the one the plan acts on.
  const twins = (r: ResourceRecord) => opts.resources.filter((x) => x !== r && keyOf(x) === keyOf(r));
  const setStatus = async (r: ResourceRecord, status: ResourceRecord['status']) => {
    for (const rec of [r, ...twins(r)]) {
      rec.status = status;
      if (status === 'deleted') rec.deletedAt = new Date().toISOString();
      await opts.onChange(rec);
    }
  };

  ctx.emit('teardown.start', 'info', `tearing down ${phases.reduce((n, p) => n + p.actions.filter((a) => a.kind === 'delete').length, 0)} resources of run ${opts.runId}`, {
    runId: opts.runId,
    phases: phases.map((p) => p.name),
  });

  for (const phase of phases) {
    if (aborted || opts.signal?.aborted) {
      aborted ??= new UserAbort('teardown was interrupted');
      break;
    }
    const actions = phase.actions.filter((a) => a.resource.status !== 'deleted' && !failedKeys.has(keyOf(a.resource)));
    const results = await Promise.allSettled(
      actions.map(async (action) => {
        const gone = await runAction(ctx, action);
        if (gone) {
          await setStatus(action.resource, 'deleted');
          deleted.push(action.resource);
        }
      }),
    );
    for (const [i, res] of results.entries()) {
      if (res.status === 'fulfilled') continue;
      const r = actions[i]!.resource;
      if (res.reason instanceof UserAbort || opts.signal?.aborted) {
        aborted ??= res.reason instanceof UserAbort ? res.reason : new UserAbort('teardown was interrupted');
        continue;
      }
      const error = errorMessage(res.reason);
      failedKeys.add(keyOf(r));
      failed.push({ resource: r, error });
      if (res.reason instanceof NotOwnedError) {
        ctx.emit('teardown.not-owned', 'error', error, { type: r.type, id: r.id, region: r.region, tags: res.reason.tags });
      } else {
        ctx.emit('teardown.failed', 'error', `could not delete ${r.type} ${r.id} (${r.region}): ${error}`, {
          type: r.type,
          id: r.id,
          region: r.region,
          phase: phase.name,
          error,
        });
      }
      await setStatus(r, 'delete-failed');
    }
    if (failed.length > 0) ctx.narrowBusyBudget();
  }
  if (aborted) throw aborted;

  ctx.emit('teardown.done', failed.length ? 'warn' : 'info', `deleted ${deleted.length}, failed ${failed.length}`, {
    deleted: deleted.map((r) => ({ type: r.type, id: r.id, region: r.region })),
    failed: failed.map((f) => ({ type: f.resource.type, id: f.resource.id, region: f.resource.region, error: f.error })),
  });
  return { deleted, failed, calls: ctx.calls };
}

/** Returns true when the resource is gone (it can be marked deleted). */
async function runAction(ctx: TeardownContext, action: TeardownAction): Promise<boolean> {
  const r = action.resource;
  switch (action.kind) {
    case 'detach-global-secondaries':
      return !(await detachGlobalMembers(ctx, r, 'secondaries'));
    case 'detach-global-primary':
      return !(await detachGlobalMembers(ctx, r, 'primary'));
    case 'start-if-stopped':
      await startIfStopped(ctx, r.id, r.region);
      return false;
    case 'delete':
      await deleteResource(ctx, r.type as ResourceType, r.id, r.region);
      return true;
  }
}
