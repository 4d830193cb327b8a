/** The real thing: AWS through SDK v3 with the user's credentials, region and profile. */
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { AwsClients } from '../../aws/clients.js';
import { UsageError } from '../../errors.js';
import { writeFileAtomic } from '../../state/atomic.js';
import { homeDir } from '../../state/paths.js';
import type { Target } from '../target.js';

/** The RDS certificate bundle for every region (Amazon's trust store). */
export const RDS_CA_BUNDLE_URL = 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem';

export function awsTarget(opts: { region: string; profile?: string; endpointUrl?: string; caBundle?: string }): Target {
  const clients = new AwsClients({ region: opts.region, profile: opts.profile, endpointUrl: opts.endpointUrl });
  let ca: string | undefined;
  return {
    name: 'aws',
    region: opts.region,
    clients,
    capabilities: { network: true, sql: true, pollScale: 1, unsupported: [] },
    async caBundle() {
      ca ??= await loadCaBundle(opts.caBundle);
      return ca;
    },
    async callerCidr() {
      return publicCidr();
    },
    async save() {},
    async close() {
      clients.destroy();
    },
  };
}

/** --ca-bundle, or the cached copy, or fetched once from Amazon's trust store and cached. */
async function loadCaBundle(given?: string): Promise<string> {
  if (given) {
    const text = await readFile(given, 'utf8').catch(() => undefined);
    if (!text?.includes('BEGIN CERTIFICATE')) throw new UsageError(`--ca-bundle ${given} is not a PEM certificate bundle`, { code: 'BAD_CA_BUNDLE' });
    return text;
  }
  const cached = path.join(homeDir(), 'global-bundle.pem');
  if (await stat(cached).catch(() => undefined)) return readFile(cached, 'utf8');
  const res = await fetch(RDS_CA_BUNDLE_URL).catch((err: Error) => {
    throw new UsageError(`cannot download the RDS CA bundle: ${err.message}`, { code: 'NO_CA_BUNDLE', hint: `download ${RDS_CA_BUNDLE_URL} and pass --ca-bundle` });
  });
  const text = await res.text();
  if (!res.ok || !text.includes('BEGIN CERTIFICATE')) throw new UsageError(`the RDS CA bundle download failed (HTTP ${res.status})`, { code: 'NO_CA_BUNDLE', hint: `download ${RDS_CA_BUNDLE_URL} and pass --ca-bundle` });
  await mkdir(homeDir(), { recursive: true });
  await writeFileAtomic(cached, text, 0o644);
  return text;
}

/** Amazon's own what-is-my-address service: the address AWS will see this machine's connections from. */
export const CHECKIP_URL = 'https://checkip.amazonaws.com';

async function publicCidr(): Promise<string> {
  const fromEnv = process.env.AURORA_LAB_CALLER_CIDR;
  if (fromEnv) return fromEnv;
  const res = await fetch(CHECKIP_URL, { signal: AbortSignal.timeout(5000) }).catch((err: Error) => {
    throw new UsageError(`cannot find this machine's public address: ${err.message}`, { code: 'NO_CALLER_IP', hint: 'set AURORA_LAB_CALLER_CIDR=203.0.113.7/32 (your address)' });
  });
  const ip = (await res.text()).trim();
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) throw new UsageError(`${CHECKIP_URL} answered "${ip.slice(0, 40)}"`, { code: 'NO_CALLER_IP', hint: 'set AURORA_LAB_CALLER_CIDR=203.0.113.7/32 (your address)' });
  return `${ip}/32`;
}
