/**
 * The SDK's waiters, polled on our clock. @smithy/util-waiter sleeps with setTimeout and reads
 * Date.now(), neither of which can be handed a clock; so each poll runs the SDK's own acceptors
 * exactly once (its `waitFor…` function with an already-aborted signal: the first check always
 * runs, and the loop then stops before sleeping), and the sleeping between polls happens here, on
 * the clock of the target. On AWS that clock is the system's; in the dry run's simulated-AWS timing
 * mode it is virtual, so a 10-minute wait polled every 10 s costs no real time. The delays follow the
 * SDK's formula (exponential from minDelay, capped at maxDelay, with jitter); Ctrl-C ends a sleep at once.
 */
import type { Clock } from '../clock.js';
import { AwsError, UserAbort } from '../errors.js';

type WaitFor = (cfg: Record<string, unknown>, input: Record<string, unknown>) => Promise<{ state: string; reason?: unknown }>;

export interface PollWaiterOptions {
  client: unknown;
  waitFor: WaitFor;
  input: Record<string, unknown>;
  clock: Clock;
  maxWaitSeconds: number;
  minDelaySeconds: number;
  maxDelaySeconds: number;
  signal?: AbortSignal;
  /** For messages: `waitUntilDBInstanceAvailable`. */
  name: string;
}

const ALREADY_ABORTED = AbortSignal.abort();

/** One acceptor check: SUCCESS, FAILURE, or RETRY. */
async function checkOnce(o: PollWaiterOptions): Promise<{ state: string; reason?: unknown }> {
  const result = await o.waitFor({ client: o.client, minDelay: 1, maxDelay: 1, maxWaitTime: 2, abortSignal: ALREADY_ABORTED }, o.input);
  // The SDK's loop reports the stop it was asked for as ABORTED: the acceptors said "not yet".
  return result.state === 'ABORTED' ? { state: 'RETRY', reason: result.reason } : result;
}

/** The SDK's delay before poll number `attempt` (1 = the first sleep), trimmed to the time left. */
export function waiterDelayMs(minMs: number, maxMs: number, attempt: number, leftMs: number, random = Math.random): number {
  const ceiling = Math.log(maxMs / minMs) / Math.log(2) + 1;
  const capped = attempt > ceiling ? maxMs : Math.min(minMs * 2 ** (attempt - 1), maxMs);
  const delay = minMs + random() * (capped - minMs);
  return delay > leftMs ? Math.max(0, leftMs - 500) : delay;
}

export async function pollWaiter(o: PollWaiterOptions): Promise<void> {
  const { clock, signal } = o;
  const minMs = o.minDelaySeconds * 1000;
  const maxMs = Math.max(minMs, o.maxDelaySeconds * 1000);
  const deadline = clock.now() + o.maxWaitSeconds * 1000;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) {
      const delay = waiterDelayMs(minMs, maxMs, attempt, deadline - clock.now());
      if (clock.now() + delay > deadline || delay <= 0) {
        throw new AwsError(`${o.name} did not reach the expected state within ${o.maxWaitSeconds} s`, {
          code: 'WAIT_TIMEOUT',
          awsCode: 'TimeoutError',
          hint: 'the run is saved: `aurora-lab run` with the same --run-id resumes it, `aurora-lab teardown` removes it',
        });
      }
      await clock.sleep(delay, signal);
    }
    if (signal?.aborted) throw new UserAbort(`${o.name} was interrupted`);
    const { state, reason } = await checkOnce(o);
    if (state === 'SUCCESS') return;
    if (state === 'FAILURE') {
      const e = new Error(`${o.name}: the resource reached a state the waiter treats as failure (${summarize(reason)})`);
      throw e;
    }
  }
}

function summarize(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  const text = JSON.stringify(reason, (k, v: unknown) => (k === '$metadata' ? undefined : v));
  return text === undefined ? String(reason) : text.slice(0, 300);
}
