/**
 * The local target: the same SDK calls, answered by the local server (started here if it is not
 * running) over real PostgreSQL processes. No EC2 network is set up locally: capabilities.network is
 * false, and labs skip their network steps (`when: target.network`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AwsClients } from '../../aws/clients.js';
import { LocalTargetError } from '../../errors.js';
import { localCredentials, type LocalCredentials } from '../../local/daemon/local-credentials.js';
import { homeDir } from '../../state/paths.js';
import type { Target, TargetCapabilities } from '../target.js';

/** Lab features the local target does not provide yet (part two): a lab requiring one stops before creating anything. */
export const LOCAL_UNSUPPORTED: string[] = [];

export const LOCAL_CAPABILITIES: TargetCapabilities = {
  network: false,
  sql: true,
  // A local instance is up in well under a second: polls 50-150 ms apart (each a loopback
  // DescribeDBInstances of a few ms) notice it within ~0.1 s instead of up to 0.5 s.
  waiterMinDelay: 0.05,
  waiterMaxDelay: 0.15,
  pollScale: 0.05,
  unsupported: LOCAL_UNSUPPORTED,
};

/** Clients of the local server, signing with this AURORA_LAB_HOME's local credentials (the server accepts no others). */
export function localClients(url: string, region: string, credentials: LocalCredentials = localCredentials(homeDir())): AwsClients {
  return new AwsClients({ region, endpointUrl: url, credentials, maxAttempts: 3 });
}

export async function localTarget(opts: { region: string; controlDir?: string; port?: number }): Promise<Target> {
  const { ensureServer, localPort } = await import('../../local/daemon/daemon-control.js');
  const controlDir = opts.controlDir ?? path.join(homeDir(), 'local');
  const { info, started } = await ensureServer({ controlDir, port: opts.port ?? localPort() });
  const clients = localClients(info.url, opts.region);
  let ca: string | undefined;
  return {
    name: 'local',
    region: opts.region,
    clients,
    capabilities: { ...LOCAL_CAPABILITIES, unsupported: [...LOCAL_UNSUPPORTED] },
    ...(started ? { notice: `Started the local server at ${info.url} (databases in ${info.dataDir}); it keeps running for the next run: aurora-lab local stop stops it` } : {}),
    async caBundle() {
      ca ??= await readFile(info.caFile, 'utf8').catch((err: Error) => {
        throw new LocalTargetError(`cannot read the local CA (${info.caFile}): ${err.message}`, { code: 'LOCAL_NO_CA', hint: 'restart the server: aurora-lab local stop && aurora-lab local start' });
      });
      return ca;
    },
    async save() {},
    async close() {
      clients.destroy();
    },
  };
}
