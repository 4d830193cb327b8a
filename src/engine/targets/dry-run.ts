/**
 * The dry run: real SDK clients whose requests are answered in-process by the simulated control
 * plane instead of going to the network. The simulated account lives in the run directory, so a dry
 * run resumes, shows in `status` and tears down like any other run.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AwsClients } from '../../aws/clients.js';
import { writeFileAtomic } from '../../state/atomic.js';
import type { Target } from '../target.js';

export const DRY_RUN_ACCOUNT = '123456789012';
const CREDENTIALS = { accessKeyId: 'AKIDDRYRUN', secretAccessKey: 'dry-run-not-a-secret' };

export async function dryRunTarget(opts: { region: string; runDir: string; inject?: (call: import('../../sim/types.js').SimCall) => import('../../sim/types.js').SimError | undefined }): Promise<Target> {
  const { SimCloud } = await import('../../sim/model/cloud.js');
  const { simPlugin } = await import('../../sim/in-process.js');
  const file = path.join(opts.runDir, 'sim.json');
  const saved = await readFile(file, 'utf8').then(JSON.parse, () => undefined);
  const simOptions = { accountId: DRY_RUN_ACCOUNT, inject: opts.inject };
  const sim = saved ? SimCloud.fromJSON(saved, simOptions) : new SimCloud(simOptions);
  const clients = new AwsClients({
    region: opts.region,
    credentials: CREDENTIALS,
    // Throttling and 5xx answers (fault tests) are retried quickly: the SDK's backoff is real time.
    maxAttempts: 6,
    plugins: async (service, region, mod) => [simPlugin(sim, service, mod, region)],
  });
  return {
    name: 'dry-run',
    region: opts.region,
    clients,
    capabilities: { network: true, sql: false, waiterMinDelay: 0.01, waiterMaxDelay: 0.05, pollScale: 0, unsupported: [] },
    async caBundle() {
      return undefined;
    },
    // TEST-NET-3 (RFC 5737): an address that is nobody's, for a rehearsal.
    async callerCidr() {
      return '203.0.113.10/32';
    },
    async save() {
      await writeFileAtomic(file, JSON.stringify(sim.toJSON()));
    },
    async close() {
      clients.destroy();
    },
  };
}
