/** Teardown of one run's recorded resources, with its progress kept in the run's state. */
import { errorMessage } from '../errors.js';
import type { Reporter } from '../events.js';
import { maskSensitive } from '../sim/shapes.js';
import type { SimService } from '../sim/types.js';
import type { RunState } from '../state/run-state.js';
import type { Target } from './target.js';
import { teardownResources, type TeardownResult } from './teardown/run-teardown.js';

export interface TearDownRunOptions {
  state: RunState;
  target: Target;
  reporter: Reporter;
  signal?: AbortSignal;
  persist(): Promise<void>;
}

export async function tearDownRun(opts: TearDownRunOptions): Promise<{ ok: boolean; failed: { id: string; type: string; error: string }[] }> {
  const result = await recordedTeardown(opts.state, opts.persist, () =>
    teardownResources({
      resources: opts.state.resources,
      runId: opts.state.runId,
      clients: opts.target.clients,
      reporter: opts.reporter,
      signal: opts.signal,
      waiterDelays: waiterDelaysOf(opts.target),
      onChange: async () => opts.persist(),
    }),
  );
  return { ok: result.failed.length === 0, failed: result.failed.map((f) => ({ id: f.resource.id, type: f.resource.type, error: f.error })) };
}

export function waiterDelaysOf(target: Target): { min?: number; max?: number } | undefined {
  const caps = target.capabilities;
  return caps.waiterMinDelay !== undefined ? { min: caps.waiterMinDelay, max: caps.waiterMaxDelay } : undefined;
}

/**
 * Runs a teardown and keeps its record in the run's state (when there is one): started, its calls
 * (masked), done or failed. A run whose outcome was not yet decided (interrupted, kept mid-way) is
 * torn down once everything is gone; a succeeded or failed run keeps its outcome.
 */
export async function recordedTeardown(state: RunState | undefined, persist: () => Promise<void>, teardown: () => Promise<TeardownResult>): Promise<TeardownResult> {
  if (state) state.teardown = { status: 'running', startedAt: new Date().toISOString(), calls: state.teardown?.calls ?? [] };
  await persist();
  let result: TeardownResult;
  try {
    result = await teardown();
  } catch (err) {
    if (state?.teardown) {
      state.teardown.status = 'failed';
      state.teardown.error = errorMessage(err);
      state.teardown.endedAt = new Date().toISOString();
    }
    await persist();
    throw err;
  }
  if (state?.teardown) {
    for (const c of result.calls) {
      state.teardown.calls.push({ service: c.service, operation: c.operation, input: await maskSensitive(c.service as SimService, c.operation, c.input), region: c.region });
    }
    state.teardown.endedAt = new Date().toISOString();
    const ok = result.failed.length === 0;
    state.teardown.status = ok ? 'done' : 'failed';
    if (!ok) state.teardown.error = result.failed.map((f) => `${f.resource.type} ${f.resource.id}: ${f.error}`).join('; ');
    if (ok && state.status !== 'succeeded' && state.status !== 'failed') state.status = 'torn-down';
  }
  await persist();
  return result;
}
