/**
 * Shared set-up for the simulated control plane's tests: a SimCloud on a clock the test moves by hand,
 * call helpers for its services, the SimError a refused call fails with, and an HTTP sim server whose
 * answers each test scripts (for the codec tests, which drive it through the real SDK clients).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { SimCloud, type SimCloudOptions } from '../../src/sim/model/cloud.js';
import { startSimServer, type SimServer } from '../../src/sim/server.js';
import { SimError, type SimCall, type SimService } from '../../src/sim/types.js';

/** Calls one operation of a service of the model, in the caller's default region unless `region` is given. */
export type ServiceCaller = (operation: string, input?: Record<string, unknown>, region?: string) => Promise<Record<string, any>>;

/** A caller of `service` on `sim`, in `defaultRegion` unless a call names another region. */
export function serviceCaller(sim: SimCloud, service: SimService, defaultRegion = 'us-east-1'): ServiceCaller {
  return (operation, input = {}, region = defaultRegion) => sim.call({ service, operation, input, region }) as Promise<Record<string, any>>;
}

/**
 * A SimCloud whose clock stands at 2025-01-01T00:00Z until the test moves `clock.t`. `options` go to the
 * SimCloud (delays, a data plane ...; a `now` there replaces the clock). `call` reaches any service and
 * `rds` the RDS API, both in `region` unless a call names another.
 */
export function simCloud(options: SimCloudOptions = {}, region = 'us-east-1') {
  const clock = { t: Date.UTC(2025, 0, 1) };
  const sim = new SimCloud({ now: () => clock.t, ...options });
  const call = (service: SimService, operation: string, input: Record<string, unknown> = {}, callRegion = region) =>
    sim.call({ service, operation, input, region: callRegion }) as Promise<Record<string, any>>;
  return { sim, clock, call, rds: serviceCaller(sim, 'rds', region) };
}

/** The SimError that `p` fails with; any other error is rethrown, and success fails the test. */
export async function simErrorOf(p: Promise<unknown>): Promise<SimError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SimError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

/** The AWS error code (SimError code) that `p` fails with. */
export async function code(p: Promise<unknown>): Promise<string> {
  return (await simErrorOf(p)).code;
}

/** The fixed credentials the codec tests' SDK clients sign with (the sim server checks no signature). */
export const SIM_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** An HTTP sim server whose handler records every call and answers with `reply`. */
export interface ScriptedSimServer {
  /** The server's base URL (once the file's beforeAll has run). */
  readonly url: string;
  /** The calls the handler received in this test, in order. */
  calls: SimCall[];
  /** The handler's answer; back to an empty object before each test. */
  reply: (call: SimCall) => Promise<Record<string, unknown>>;
  /** What an SDK client of the server is made with: `region`, the server URL, SIM_CREDENTIALS and no retries. */
  clientConfig(region: string): { region: string; endpoint: string; credentials: typeof SIM_CREDENTIALS; maxAttempts: number };
}

/**
 * Start one scripted sim server for the calling test file: registers beforeAll (start), afterAll (close)
 * and beforeEach (forget the calls, reset the reply). Call it at the top level of the file.
 */
export function scriptedSimServer(): ScriptedSimServer {
  let server: SimServer | undefined;
  const scripted: ScriptedSimServer = {
    get url() {
      if (!server) throw new Error('the sim server is not started yet (use it inside a test)');
      return server.url;
    },
    calls: [],
    reply: async () => ({}),
    clientConfig(region) {
      return { region, endpoint: scripted.url, credentials: SIM_CREDENTIALS, maxAttempts: 1 };
    },
  };
  beforeAll(async () => {
    server = await startSimServer({
      credentials: SIM_CREDENTIALS,
      handler: (call) => {
        scripted.calls.push(call);
        return scripted.reply(call);
      },
    });
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    scripted.calls = [];
    scripted.reply = async () => ({});
  });
  return scripted;
}
