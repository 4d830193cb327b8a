/** SDK errors become AwsErrors with a stable code and a hint that says what to do. */
import { describe, expect, it } from 'vitest';
import { AwsError, ExitCode, UserAbort } from '../../src/errors.js';
import { translateAwsError } from '../../src/aws/errors.js';

const where = { service: 'rds', operation: 'CreateDBCluster', region: 'eu-west-1' };

function sdkError(name: string, message: string, extra: Record<string, unknown> = {}): Error {
  const e = new Error(message);
  e.name = name;
  Object.assign(e, extra);
  return e;
}

function translate(err: unknown): AwsError {
  const out = translateAwsError(err, where);
  expect(out).toBeInstanceOf(AwsError);
  expect((out as AwsError).exitCode).toBe(ExitCode.aws);
  return out as AwsError;
}

describe('translateAwsError', () => {
  it('a CredentialsProviderError becomes NO_CREDENTIALS with a hint naming the ways to configure them', () => {
    const e = translate(sdkError('CredentialsProviderError', 'Could not load credentials from any providers'));
    expect(e.code).toBe('NO_CREDENTIALS');
    expect(e.hint).toMatch(/aws configure/);
    expect(e.hint).toMatch(/--dry-run/);
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('a missing region becomes NO_REGION with --region in the hint', () => {
    const e = translate(sdkError('Error', 'Region is missing'));
    expect(e.code).toBe('NO_REGION');
    expect(e.hint).toContain('--region');
  });

  it('an expired token or SSO session becomes EXPIRED_CREDENTIALS', () => {
    expect(translate(sdkError('ExpiredToken', 'The security token included in the request is expired', { $metadata: { httpStatusCode: 400 } })).code).toBe('EXPIRED_CREDENTIALS');
    expect(translate(sdkError('ExpiredTokenException', 'expired', { $metadata: { httpStatusCode: 400 } })).code).toBe('EXPIRED_CREDENTIALS');
    const e = translate(sdkError('Error', 'The SSO session associated with this profile has expired'));
    expect(e.code).toBe('EXPIRED_CREDENTIALS');
    expect(e.hint).toContain('aws sso login');
  });

  it('AccessDenied becomes ACCESS_DENIED and the hint names the action to grant', () => {
    const e = translate(sdkError('AccessDenied', 'User: arn:aws:iam::1:user/x is not authorized to perform: rds:CreateDBCluster', { $metadata: { httpStatusCode: 403 } }));
    expect(e.code).toBe('ACCESS_DENIED');
    expect(e.awsCode).toBe('AccessDenied');
    expect(e.hint).toContain('rds:CreateDBCluster');
  });

  it('DBClusterQuotaExceededFault becomes QUOTA_EXCEEDED and the hint names the quota and region', () => {
    const e = translate(sdkError('DBClusterQuotaExceededFault', 'Cannot create more than 40 clusters', { $metadata: { httpStatusCode: 403 } }));
    expect(e.code).toBe('QUOTA_EXCEEDED');
    expect(e.awsCode).toBe('DBClusterQuotaExceededFault');
    expect(e.hint).toContain('DBCluster quota');
    expect(e.hint).toContain('eu-west-1');
  });

  it('network failures become NETWORK with a hint about the region and endpoint', () => {
    for (const err of [
      sdkError('Error', 'getaddrinfo ENOTFOUND rds.nowhere-1.amazonaws.com', { code: 'ENOTFOUND' }),
      sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:9', { code: 'ECONNREFUSED' }),
      sdkError('TimeoutError', 'socket hang up'),
    ]) {
      const e = translate(err);
      expect(e.code).toBe('NETWORK');
      expect(e.hint).toContain('--endpoint-url');
    }
  });

  it('bad credentials, unknown faults and aborts are told apart', () => {
    expect(translate(sdkError('InvalidClientTokenId', 'The security token included in the request is invalid', { $metadata: { httpStatusCode: 403 } })).code).toBe('BAD_CREDENTIALS');
    const other = translate(sdkError('InvalidDBClusterStateFault', 'busy', { $metadata: { httpStatusCode: 400 } }));
    expect(other.code).toBe('AWS_ERROR');
    expect(other.awsCode).toBe('InvalidDBClusterStateFault');
    expect(translateAwsError(sdkError('AbortError', 'Request aborted'), where)).toBeInstanceOf(UserAbort);
  });

  it('an AwsError passes through unchanged', () => {
    const e = new AwsError('already translated', { code: 'X' });
    expect(translateAwsError(e, where)).toBe(e);
  });
});
