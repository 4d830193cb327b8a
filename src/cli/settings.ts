/**
 * Global options -> settings, with the AWS conventions: --region, then AWS_REGION, then
 * AWS_DEFAULT_REGION, then the profile's region; --profile (else AWS_PROFILE) goes to each client,
 * never into process.env; --endpoint-url (else AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, which the
 * SDK reads itself).
 */
import { AwsError, UsageError } from '../errors.js';

export interface GlobalOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  json?: boolean;
  yes?: boolean;
  debug?: boolean;
  color?: boolean;
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

export function checkRegion(region: string): string {
  if (!REGION.test(region)) {
    throw new UsageError(`"${region}" is not an AWS region name`, { code: 'BAD_REGION', hint: 'use a name like us-east-1 or eu-west-2' });
  }
  return region;
}

/** The region for AWS. Throws AwsError NO_REGION with the fix when none is configured anywhere. */
export async function resolveAwsRegion(opts: GlobalOptions): Promise<string> {
  const explicit = opts.region ?? (process.env.AWS_REGION || undefined) ?? (process.env.AWS_DEFAULT_REGION || undefined);
  if (explicit) return checkRegion(explicit);
  const profile = opts.profile ?? (process.env.AWS_PROFILE || undefined);
  try {
    // The SDK's own region chain reads the profile's config file entry.
    const { STSClient } = await import('@aws-sdk/client-sts');
    const client = new STSClient(profile ? { profile } : {});
    const region = await client.config.region();
    client.destroy();
    if (region) return checkRegion(region);
  } catch {
    // fall through to the message below
  }
  throw new AwsError('no AWS region is set', {
    code: 'NO_REGION',
    hint: `pass --region us-east-1, set AWS_REGION, or set a region in the profile${profile ? ` ${profile}` : ''} (~/.aws/config)`,
  });
}

/** The region for the dry run and the local target: given, or from the environment, or us-east-1. */
export function simulatedRegion(opts: GlobalOptions): string {
  return checkRegion(opts.region ?? (process.env.AWS_REGION || undefined) ?? (process.env.AWS_DEFAULT_REGION || undefined) ?? 'us-east-1');
}

export function parseParams(pairs: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param "${pair}" is not key=value`, { code: 'BAD_PARAM', hint: 'for example --param instanceClass=db.r6g.large' });
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
