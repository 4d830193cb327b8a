import { afterEach, describe, expect, it, vi } from 'vitest';
import { AwsError } from '../../src/errors.js';
import { generateAuthToken } from '../../src/sql/iam-token.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };

describe('generateAuthToken', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('signs a connect URL for host:port, the user, 15 minutes and the rds-db service, offline', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-04T05:06:07Z'));
    const token = await generateAuthToken({
      hostname: 'lab.cluster-abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      username: 'lab_user',
      region: 'eu-west-1',
      credentials,
    });
    // No scheme: the token is what the client sends as its password.
    expect(token.startsWith('lab.cluster-abc.eu-west-1.rds.amazonaws.com:5432/?')).toBe(true);
    const url = new URL(`https://${token}`);
    expect(url.hostname).toBe('lab.cluster-abc.eu-west-1.rds.amazonaws.com');
    expect(url.port).toBe('5432');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('connect');
    expect(q.get('DBUser')).toBe('lab_user');
    expect(q.get('X-Amz-Expires')).toBe('900');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Date')).toBe('20250304T050607Z');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20250304/eu-west-1/rds-db/aws4_request');
    expect(q.get('X-Amz-SignedHeaders')).toBe('host');
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(token).not.toContain(credentials.secretAccessKey);
  });

  it('binds the signature to the user and the port', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2025-03-04T05:06:07Z'));
    const base = { hostname: 'h.example', port: 3306, username: 'a', region: 'us-east-1', credentials };
    const sig = async (o: typeof base) => new URL(`https://${await generateAuthToken(o)}`).searchParams.get('X-Amz-Signature');
    const a = await sig(base);
    expect(await sig(base)).toBe(a);
    expect(await sig({ ...base, username: 'b' })).not.toBe(a);
    expect(await sig({ ...base, port: 3307 })).not.toBe(a);
  });

  it('carries a session token from temporary credentials', async () => {
    const token = await generateAuthToken({
      hostname: 'h.example', port: 5432, username: 'u', region: 'us-east-1',
      credentials: async () => ({ ...credentials, sessionToken: 'SESSIONTOKEN123' }),
    });
    expect(new URL(`https://${token}`).searchParams.get('X-Amz-Security-Token')).toBe('SESSIONTOKEN123');
  });

  it('turns a credentials failure into an AwsError with a hint', async () => {
    const err = await generateAuthToken({
      hostname: 'h.example', port: 5432, username: 'u', region: 'us-east-1',
      credentials: async () => {
        throw Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' });
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsError);
    expect((err as AwsError).code).toBe('IAM_TOKEN');
    expect((err as AwsError).awsCode).toBe('CredentialsProviderError');
    expect((err as AwsError).hint).toMatch(/profile/);
  });
});
