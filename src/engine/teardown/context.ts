/**
 * What every teardown action shares: the recorded AWS calls, the reporter, the bounded retries of
 * "busy" errors, the bounded waits until a resource is gone, and the abort signal.
 */
import { TEARDOWN_CADENCE } from '../../aws/cadence.js';
import type { AwsClients } from '../../aws/clients.js';
import { awsErrorCode } from '../../aws/errors.js';
import { AwsError, UserAbort } from '../../errors.js';
import type { Level, Reporter } from '../../events.js';
import type { ResourceType } from '../../labs/schema.js';
import type { SimService } from '../../sim/types.js';
import { describeResource, hasCode, isBusy, RESOURCE_SPECS, type AwsSender, type DescribedResource } from './resource-types.js';

export interface TeardownCall {
  service: string;
  operation: string;
  input: unknown;
  region: string;
}

export interface TeardownContextOptions {
  runId: string;
  clients: AwsClients;
  reporter: Reporter;
  signal?: AbortSignal;
  /** Seconds between polls: the first delay and the cap of the exponential backoff. */
  waiterDelays?: { min?: number; max?: number };
  /** The longest any one wait or run of retries may take, in seconds. */
  maxWaitSeconds?: number;
  /** How long busy answers are retried once a resource has failed (default 120 s). */
  busyAfterFailureSeconds?: number;
}

export const DEFAULT_MAX_WAIT_SECONDS = 3600;
export const FAILED_DEPENDENCY_BUSY_SECONDS = 120;
// On AWS: the cadence of the creations (src/aws/cadence.ts), so a deletion is seen within 10 s.
const DEFAULT_MIN_DELAY = TEARDOWN_CADENCE.min;
const DEFAULT_MAX_DELAY = TEARDOWN_CADENCE.max;

export class TeardownContext implements AwsSender {
  readonly calls: TeardownCall[] = [];
  readonly runId: string;
  readonly signal?: AbortSignal;
  readonly maxWaitSeconds: number;
  /** How long busy answers are retried; shortened once something failed (see narrowBusyBudget). */
  private busySeconds: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(private readonly opts: TeardownContextOptions) {
    this.runId = opts.runId;
    this.signal = opts.signal;
    this.maxWaitSeconds = opts.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS;
    this.busySeconds = this.maxWaitSeconds;
    this.minDelayMs = (opts.waiterDelays?.min ?? DEFAULT_MIN_DELAY) * 1000;
    this.maxDelayMs = Math.max(this.minDelayMs, (opts.waiterDelays?.max ?? DEFAULT_MAX_DELAY) * 1000);
  }

  /** AwsClients.send, recorded. */
  send: AwsClients['send'] = (service, operation, input, options = {}) => {
    this.throwIfAborted();
    const region = options.region ?? this.opts.clients.settings.region;
    this.calls.push({ service, operation, input, region });
    return this.opts.clients.send(service, operation, input, { region, signal: options.signal ?? this.signal });
  };

  wait: AwsClients['wait'] = (service, waiter, input, options) =>
    this.opts.clients.wait(service, waiter, input, { ...options, signal: options.signal ?? this.signal });

  emit(code: string, level: Level, message: string, data?: unknown): void {
    this.opts.reporter.emit({ code, level, message, data });
  }

  describe(type: ResourceType, id: string, region: string): Promise<DescribedResource> {
    return describeResource(this, type, id, region, this.signal);
  }

  throwIfAborted(): void {
    if (this.signal?.aborted) throw new UserAbort('teardown was interrupted');
  }

  /** On the clients' clock (virtual in the simulated-AWS timing mode); Ctrl-C ends it at once. */
  async sleep(ms: number): Promise<void> {
    this.throwIfAborted();
    await this.opts.clients.clock.sleep(ms, this.signal);
    this.throwIfAborted();
  }

  /**
   * Once a resource could not be deleted, what depends on it (a subnet group, a security group) stays
   * busy for good: retry those for minutes, not the full wait, so that teardown still finishes soon.
   */
  narrowBusyBudget(): void {
    this.busySeconds = Math.min(this.busySeconds, this.opts.busyAfterFailureSeconds ?? FAILED_DEPENDENCY_BUSY_SECONDS);
  }

  private delay(attempt: number): number {
    return Math.min(this.maxDelayMs, this.minDelayMs * 2 ** Math.max(0, attempt - 1));
  }

  /**
   * Run `fn`, retrying it with exponential backoff while AWS answers with one of the type's "busy"
   * codes (or `extraBusy`), for at most maxWaitSeconds.
   */
  async retryBusy<T>(
    what: { type: ResourceType; id: string; operation: string },
    fn: () => Promise<T>,
    extraBusy: string[] = [],
  ): Promise<T> {
    const clock = this.opts.clients.clock;
    const deadline = clock.now() + this.busySeconds * 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isBusy(what.type, err) && !hasCode(err, extraBusy)) throw err;
        const delayMs = this.delay(attempt);
        if (clock.now() + delayMs > deadline) {
          throw new AwsError(`${what.operation} ${what.type} ${what.id}: still busy after ${this.busySeconds} s (${awsErrorCode(err)})`, {
            code: 'TEARDOWN_BUSY',
            awsCode: awsErrorCode(err),
            hint: 'something else is still changing it; run `aurora-lab teardown` again later',
            cause: err,
          });
        }
        this.emit('teardown.retry', 'info', `${what.type} ${what.id} is busy (${awsErrorCode(err)}); ${what.operation} again in ${Math.round(delayMs / 100) / 10} s`, {
          ...what,
          code: awsErrorCode(err),
          attempt,
          delayMs,
        });
        await this.sleep(delayMs);
      }
    }
  }

  /** Poll `done` with backoff until it returns true, for at most maxWaitSeconds. */
  async pollUntil(description: string, done: () => Promise<boolean>): Promise<void> {
    const clock = this.opts.clients.clock;
    const deadline = clock.now() + this.maxWaitSeconds * 1000;
    for (let attempt = 1; ; attempt++) {
      if (await done()) return;
      const delayMs = this.delay(attempt);
      if (clock.now() + delayMs > deadline) {
        throw new AwsError(`${description} did not happen within ${this.maxWaitSeconds} s`, {
          code: 'WAIT_TIMEOUT',
          hint: 'run `aurora-lab teardown` again: it carries on where this one stopped',
        });
      }
      await this.sleep(delayMs);
    }
  }

  /** Wait until a fresh Describe no longer finds the resource (the SDK waiter where one exists). */
  async waitGone(type: ResourceType, id: string, region: string): Promise<void> {
    const spec = RESOURCE_SPECS[type];
    if (spec.waiter) {
      try {
        await this.wait(spec.service as SimService, spec.waiter.name, spec.waiter.input(id), {
          region,
          maxWaitSeconds: this.maxWaitSeconds,
          ...(this.opts.waiterDelays?.min !== undefined ? { minDelaySeconds: this.opts.waiterDelays.min } : {}),
          ...(this.opts.waiterDelays?.max !== undefined ? { maxDelaySeconds: Math.max(this.opts.waiterDelays.max, this.opts.waiterDelays.min ?? 0) } : {}),
          signal: this.signal,
        });
        return;
      } catch (err) {
        // A waiter also gives up on states it does not expect (a 'modifying' instance); polling does not.
        if (err instanceof UserAbort || (err instanceof AwsError && err.code === 'WAIT_TIMEOUT')) throw err;
      }
    }
    await this.pollUntil(`deletion of ${type} ${id}`, async () => !(await this.describe(type, id, region)).exists);
  }
}
