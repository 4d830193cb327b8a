/**
 * The one place that builds SDK clients: region, profile, endpoint, credentials, retries, user agent,
 * and the plugins a target installs (the dry run's in-process simulator). Every AWS call and waiter of
 * the engine goes through AwsClients.send / AwsClients.wait.
 */
import type { AwsCredentialIdentity, Pluggable } from '@smithy/types';
import { systemClock, type Clock } from '../clock.js';
import { AwsError } from '../errors.js';
import { SERVICES, type ClientModule } from '../sim/services.js';
import type { SimService } from '../sim/types.js';
import { waiterCadence } from './cadence.js';
import { translateAwsError } from './errors.js';
import { pollWaiter } from './waiter.js';

export const USER_AGENT = 'aurora-lab/0.1.0';

export interface AwsSettings {
  region: string;
  profile?: string;
  endpointUrl?: string;
  credentials?: AwsCredentialIdentity;
  /** Attempts per call, first included (throttling, 5xx and transient errors are retried with backoff). */
  maxAttempts?: number;
  /** Middleware a target installs in every client (the dry run's simulator). */
  plugins?: (service: SimService, region: string, mod: ClientModule) => Promise<Pluggable<any, any>[]>;
  /** The clock every wait sleeps on and measures with (the system's, or the dry run's virtual one). */
  clock?: Clock;
}

export interface WaitOptions {
  region?: string;
  maxWaitSeconds: number;
  minDelaySeconds?: number;
  maxDelaySeconds?: number;
  signal?: AbortSignal;
}

interface SdkClient {
  send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<Record<string, unknown>>;
  destroy(): void;
  middlewareStack: { use(p: Pluggable<any, any>): void };
  config: { region: () => Promise<string> };
}

type Ctor<T> = new (arg: unknown) => T;

export class AwsClients {
  private readonly cache = new Map<string, Promise<{ client: SdkClient; mod: ClientModule }>>();

  readonly clock: Clock;

  constructor(readonly settings: AwsSettings) {
    this.clock = settings.clock ?? systemClock;
  }

  async client(service: SimService, region = this.settings.region): Promise<{ client: SdkClient; mod: ClientModule }> {
    const key = `${service}@${region}`;
    let entry = this.cache.get(key);
    if (!entry) {
      entry = this.build(service, region);
      this.cache.set(key, entry);
    }
    return entry;
  }

  private async build(service: SimService, region: string) {
    const info = SERVICES[service];
    const mod = await info.load();
    const Client = mod[info.clientName] as Ctor<SdkClient>;
    const client = new Client({
      region,
      ...(this.settings.profile ? { profile: this.settings.profile } : {}),
      ...(this.settings.endpointUrl ? { endpoint: this.settings.endpointUrl } : {}),
      ...(this.settings.credentials ? { credentials: this.settings.credentials } : {}),
      maxAttempts: this.settings.maxAttempts ?? 6,
      retryMode: 'standard',
      customUserAgent: USER_AGENT,
    });
    for (const plugin of (await this.settings.plugins?.(service, region, mod)) ?? []) client.middlewareStack.use(plugin);
    return { client, mod };
  }

  /** Send one operation by name ('CreateDBCluster'); SDK errors come back as AwsError with a hint. */
  async send(
    service: SimService,
    operation: string,
    input: Record<string, unknown>,
    options: { region?: string; signal?: AbortSignal } = {},
  ): Promise<Record<string, unknown>> {
    const { client, mod } = await this.client(service, options.region);
    const Command = mod[`${operation}Command`] as Ctor<unknown> | undefined;
    if (!Command) throw new AwsError(`${SERVICES[service].pkg} has no operation ${operation}`, { code: 'UNKNOWN_OPERATION' });
    try {
      const out = await client.send(new Command(input), { abortSignal: options.signal });
      const { $metadata: _, ...rest } = out;
      return rest;
    } catch (err) {
      throw translateAwsError(err, { service, operation, region: options.region ?? this.settings.region });
    }
  }

  /**
   * Run one of the SDK's waiters (`DBClusterAvailable`: its acceptors, polled by waiter.ts on this
   * clock) with an explicit maximum, at the waiter's cadence (cadence.ts) unless the target sets one.
   */
  async wait(service: SimService, waiter: string, input: Record<string, unknown>, options: WaitOptions): Promise<void> {
    const { client, mod } = await this.client(service, options.region);
    const waitFor = mod[`waitFor${waiter}`] as Parameters<typeof pollWaiter>[0]['waitFor'] | undefined;
    if (!waitFor || typeof mod[`waitUntil${waiter}`] !== 'function') {
      throw new AwsError(`${SERVICES[service].pkg} has no waiter ${waiter}`, { code: 'UNKNOWN_WAITER' });
    }
    const cadence = waiterCadence(waiter);
    try {
      await pollWaiter({
        client,
        waitFor,
        input,
        clock: this.clock,
        maxWaitSeconds: options.maxWaitSeconds,
        minDelaySeconds: options.minDelaySeconds ?? cadence.minDelaySeconds,
        maxDelaySeconds: options.maxDelaySeconds ?? cadence.maxDelaySeconds,
        signal: options.signal,
        name: `waitUntil${waiter}`,
      });
    } catch (err) {
      throw translateAwsError(err, { service, operation: `waitUntil${waiter}`, region: options.region ?? this.settings.region });
    }
  }

  destroy(): void {
    for (const entry of this.cache.values()) entry.then(({ client }) => client.destroy()).catch(() => {});
    this.cache.clear();
  }
}

/** The module exports of a client, for code that needs an SDK constant (waiters, exception classes). */
export async function loadService(service: SimService): Promise<ClientModule> {
  return SERVICES[service].load();
}
