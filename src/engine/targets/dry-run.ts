/**
 * The dry run: real SDK clients whose requests are answered in-process by the simulated control
 * plane instead of going to the network. The simulated account lives in the run directory, so a dry
 * run resumes, shows in `status` and tears down like any other run.
 *
 * With the simulated-AWS timing mode (`--aws-timing`, or AURORA_LAB_SIM_TIMING=aws) every transition
 * takes AWS's typical duration (src/sim/model/aws-timing.ts) on a virtual clock, and the waits poll at
 * AWS's cadence on that clock: the run "takes" its AWS time in about a second. In the instant mode
 * transitions take no time and the clock flows with real time, but a sleep is skipped (clock.ts): a
 * poll for simulated data that needs time to pass (Performance Insights past a window) polls at the
 * lab's interval without waiting for it. The mode and the clock are saved with the account, so a
 * resumed run or its teardown continues in the same time.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AwsClients } from '../../aws/clients.js';
import { VirtualClock } from '../../clock.js';
import { writeFileAtomic } from '../../state/atomic.js';
import type { SimCall, SimError } from '../../sim/types.js';
import type { SimState } from '../../sim/model/state.js';
import type { TimedKind } from '../../sim/model/aws-timing.js';
import type { Target } from '../target.js';

export const DRY_RUN_ACCOUNT = '123456789012';
const CREDENTIALS = { accessKeyId: 'AKIDDRYRUN', secretAccessKey: 'dry-run-not-a-secret' };

export type SimTiming = 'instant' | 'aws';

/** The timing a new dry run asks for: --aws-timing, or AURORA_LAB_SIM_TIMING=aws. */
export function requestedTiming(flag?: boolean): SimTiming {
  return flag || process.env.AURORA_LAB_SIM_TIMING === 'aws' ? 'aws' : 'instant';
}

export interface DryRunOptions {
  region: string;
  runDir: string;
  timing?: SimTiming;
  /** Tests: AWS-timing durations (ms) other than the table's. */
  awsDurations?: Partial<Record<TimedKind, number>>;
  inject?: (call: SimCall) => SimError | undefined;
}

export async function dryRunTarget(opts: DryRunOptions): Promise<Target> {
  const { SimCloud } = await import('../../sim/model/cloud.js');
  const { simPlugin } = await import('../../sim/in-process.js');
  const file = path.join(opts.runDir, 'sim.json');
  const saved = (await readFile(file, 'utf8').then(JSON.parse, () => undefined)) as SimState | undefined;
  // A saved clock that flows is the instant mode's (an account saved before it kept none).
  const timing: SimTiming = saved ? (saved.clock && !saved.clock.flowing ? 'aws' : 'instant') : (opts.timing ?? 'instant');
  const clock =
    timing === 'aws'
      ? new VirtualClock(saved?.clock?.nowMs ?? Date.now())
      : // Never behind where the saved run stood: its skipped sleeps put it ahead of real time by aheadMs.
        new VirtualClock(Math.max(saved?.clock?.nowMs ?? 0, Date.now() + (saved?.clock?.aheadMs ?? 0)), { flowing: true });
  const startMs = saved?.clock?.startMs ?? clock.now();
  const simOptions = { accountId: DRY_RUN_ACCOUNT, inject: opts.inject, timing, awsDurations: opts.awsDurations, now: () => clock.now() };
  const sim = saved ? SimCloud.fromJSON(saved, simOptions) : new SimCloud(simOptions);
  const lastSaved: { account?: string; mark?: number } = {};
  const clients = new AwsClients({
    region: opts.region,
    credentials: CREDENTIALS,
    // Throttling and 5xx answers (fault tests) are retried quickly: the SDK's backoff is real time.
    maxAttempts: 6,
    clock,
    plugins: async (service, region, mod) => [simPlugin(sim, service, mod, region, undefined, (work) => clock.during(work))],
  });
  return {
    name: 'dry-run',
    region: opts.region,
    clients,
    capabilities:
      timing === 'aws'
        ? // AWS's own cadence (src/aws/cadence.ts) and the labs' poll intervals, on the virtual clock.
          { network: true, sql: false, pollScale: 1, unsupported: [] }
        : // The labs' poll intervals too (sleeps are skipped): a poll whose answer waits for time to pass
          // then asks as often as on AWS, not once per event-loop turn.
          { network: true, sql: false, waiterMinDelay: 0.01, waiterMaxDelay: 0.05, pollScale: 1, unsupported: [] },
    async caBundle() {
      return undefined;
    },
    // TEST-NET-3 (RFC 5737): an address that is nobody's, for a rehearsal.
    async callerCidr() {
      return '203.0.113.10/32';
    },
    async save() {
      // The run saves after every step, and most steps only read: an account and a clock that have not
      // changed since the last save are on disk already. A flowing clock changes only when it skips.
      const state = sim.toJSON();
      delete state.clock;
      const account = JSON.stringify(state);
      const mark = timing === 'aws' ? clock.now() : clock.offsetMs;
      if (account === lastSaved.account && mark === lastSaved.mark) return;
      const at = clock.now();
      const clockState: NonNullable<SimState['clock']> = timing === 'aws' ? { startMs, nowMs: at } : { startMs, nowMs: at, flowing: true, aheadMs: clock.offsetMs };
      // The account's text with the clock as its last member (the account is never an empty object).
      await clock.during(() => writeFileAtomic(file, `${account.slice(0, -1)},"clock":${JSON.stringify(clockState)}}`, 0o600, false));
      lastSaved.account = account;
      lastSaved.mark = mark;
    },
    async close() {
      clients.destroy();
    },
  };
}
