/**
 * SDK errors -> AwsError with a hint that says what to do. The common failures of a learner's set-up
 * (no credentials, no region, expired SSO session, missing permission, a quota) each get their own code.
 */
import { AwsError, UserAbort } from '../errors.js';

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  state?: string;
  result?: { state?: string; reason?: unknown };
}

export function awsErrorCode(err: unknown): string | undefined {
  if (err instanceof AwsError) return err.awsCode;
  const e = err as SdkErrorLike;
  return e?.name;
}

export function translateAwsError(err: unknown, where: { service: string; operation: string; region: string }): Error {
  if (err instanceof AwsError || err instanceof UserAbort) return err;
  const e = (err ?? {}) as SdkErrorLike;
  const name = e.name ?? 'Error';
  const message = e.message ?? String(err);
  const op = `${where.operation} (${where.service}, ${where.region})`;

  if (name === 'AbortError' || message === 'Request aborted' || message.includes('AbortController signal aborted')) {
    return new UserAbort(`${op} was interrupted`);
  }
  if (name === 'TimeoutError' && /waiter|Waiter/.test(message + where.operation)) {
    return new AwsError(`${op} did not reach the expected state in time`, {
      code: 'WAIT_TIMEOUT',
      awsCode: name,
      hint: 'the run is saved: `aurora-lab run` with the same --run-id resumes it, `aurora-lab teardown` removes it',
      cause: err,
    });
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(message) && !e.$metadata?.httpStatusCode) {
    return new AwsError(`no AWS credentials for ${op}`, {
      code: 'NO_CREDENTIALS',
      awsCode: name,
      hint: 'configure credentials (`aws configure`, `aws sso login --profile X` then --profile X, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); try the lab free with --local or --dry-run',
      cause: err,
    });
  }
  if (/Region is missing|region.*(missing|not set)/i.test(message)) {
    return new AwsError('no AWS region is set', { code: 'NO_REGION', hint: 'pass --region us-east-1, or set AWS_REGION', cause: err });
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired'].includes(name) || /SSO session .* expired|token has expired/i.test(message)) {
    return new AwsError(`the AWS session has expired (${op})`, { code: 'EXPIRED_CREDENTIALS', awsCode: name, hint: 'log in again (`aws sso login --profile X`) and re-run', cause: err });
  }
  if (['InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch', 'AuthFailure', 'InvalidSignatureException'].includes(name)) {
    return new AwsError(`AWS does not accept these credentials (${op}): ${message}`, { code: 'BAD_CREDENTIALS', awsCode: name, hint: 'check the profile or access keys in use (`aws sts get-caller-identity`)', cause: err });
  }
  if (['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthorizationError'].includes(name)) {
    return new AwsError(`not allowed: ${op}: ${message}`, {
      code: 'ACCESS_DENIED',
      awsCode: name,
      hint: `grant the principal ${where.service}:${where.operation} (see the policy in the README), or use another --profile`,
      cause: err,
    });
  }
  if (/QuotaExceeded|LimitExceeded/.test(name)) {
    const quota = name.replace(/Fault$|Exception$/, '').replace(/QuotaExceeded|LimitExceeded/, '');
    return new AwsError(`an AWS quota stops ${op}: ${name}: ${message}`, {
      code: 'QUOTA_EXCEEDED',
      awsCode: name,
      hint: `the ${quota || where.service} quota of this account in ${where.region} is used up: delete unused resources (\`aurora-lab status --all\`) or request an increase in the Service Quotas console`,
      cause: err,
    });
  }
  if (/ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT|ECONNRESET|socket hang up/.test(message) || ['ENOTFOUND', 'ECONNREFUSED'].includes(e.code ?? '')) {
    return new AwsError(`cannot reach the ${where.service} endpoint for ${where.region}: ${message}`, {
      code: 'NETWORK',
      hint: 'check the region name and --endpoint-url; for the local target run `aurora-lab local start`',
      cause: err,
    });
  }
  return new AwsError(`${op} failed: ${name}: ${message}`, { code: 'AWS_ERROR', awsCode: name, cause: err });
}
