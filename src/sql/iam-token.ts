import type { SignerConfig } from '@aws-sdk/rds-signer';
import { AwsError, errorMessage } from '../errors.js';
import { redact } from './sql-error.js';

export interface AuthTokenOptions {
  /** The endpoint the client will connect to (the token is bound to host:port). */
  hostname: string;
  port: number;
  /** The database user (granted rds_iam / identified WITH AWSAuthenticationPlugin). */
  username: string;
  region: string;
  /** Static credentials or a provider; the SDK's default chain (or `profile`) when absent. */
  credentials?: SignerConfig['credentials'];
  profile?: string;
}

/**
 * An RDS IAM auth token: a SigV4-presigned `GET https://host:port/?Action=connect&DBUser=...` for the
 * service `rds-db`, valid 15 minutes, without its scheme. It is a password: never log it. Signing is
 * local, so a token is issued even to a principal that may not connect; the refusal comes at connect
 * time. Token expiry only matters for new connections: an open session stays open.
 */
export async function generateAuthToken(opts: AuthTokenOptions): Promise<string> {
  const { Signer } = await import('@aws-sdk/rds-signer');
  const signer = new Signer({
    hostname: opts.hostname,
    port: opts.port,
    username: opts.username,
    region: opts.region,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.profile ? { profile: opts.profile } : {}),
  });
  try {
    return await signer.getAuthToken();
  } catch (err) {
    const name = err instanceof Error ? err.name : 'Error';
    throw new AwsError(`Could not sign an IAM auth token for ${opts.username}@${opts.hostname}:${opts.port}: ${redact(errorMessage(err), [])}`, {
      code: 'IAM_TOKEN',
      awsCode: name,
      hint: 'The token is signed with your AWS credentials: check AWS_PROFILE / --profile, or run `aws sso login`.',
    });
  }
}
