/** Teardown of one run's recorded resources, with its progress kept in the run's state. */
import { errorMessage } from '../errors.js';
import type { Reporter } from '../events.js';
import type { RunState } from '../state/run-state.js';
import { maskSecrets } from './mask.js';
import type { Target } from './target.js';
import { teardownResources } from './teardown/run-teardown.js';

export interface TearDownRunOptions {
  state: RunState;
  target: Target;
  reporter: Reporter;
  signal?: AbortSignal;
  persist(): Promise<void>;
}

export async function tearDownRun(opts: TearDownRunOptions): Promise<{ ok: boolean; failed: { id: string; type: string; error: string }[] }> {
  const { state, target } = opts;
  state.teardown = { status: 'running', startedAt: new Date().toISOString(), calls: state.teardown?.calls ?? [] };
  await opts.persist();
  let result: Awaited<ReturnType<typeof teardownResources>>;
  try {
    result = await teardownResources({
      resources: state.resources,
      runId: state.runId,
      clients: target.clients,
      reporter: opts.reporter,
      signal: opts.signal,
      waiterDelays: target.capabilities.waiterMinDelay !== undefined ? { min: target.capabilities.waiterMinDelay, max: target.capabilities.waiterMaxDelay } : undefined,
      onChange: async () => opts.persist(),
    });
  } catch (err) {
    state.teardown.status = 'failed';
    state.teardown.error = errorMessage(err);
    state.teardown.endedAt = new Date().toISOString();
    await opts.persist();
    throw err;
  }
  state.teardown.calls.push(...result.calls.map((c) => ({ service: c.service, operation: c.operation, input: maskSecrets(c.input), region: c.region })));
  state.teardown.endedAt = new Date().toISOString();
  const ok = result.failed.length === 0;
  state.teardown.status = ok ? 'done' : 'failed';
  if (!ok) state.teardown.error = result.failed.map((f) => `${f.resource.type} ${f.resource.id}: ${f.error}`).join('; ');
  // The run's outcome (succeeded, failed) stays; an interrupted or kept run is now simply finished.
  if (ok && (state.status === 'interrupted' || state.status === 'running')) state.status = 'torn-down';
  await opts.persist();
  return { ok, failed: result.failed.map((f) => ({ id: f.resource.id, type: f.resource.type, error: f.error })) };
}
