/** The token check against tokens made by the real @aws-sdk/rds-signer: each way a token can be wrong. */
import { Signer } from '@aws-sdk/rds-signer';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { verifyIamToken, type TokenExpectation } from '../../src/local/iam/iam-token-check.js';
import { TEST_CREDENTIALS as LOCAL_CREDENTIALS } from '../helpers/test-credentials.js';

const expectation: TokenExpectation = { hosts: ['127.0.0.1', 'localhost'], port: 15500, user: 'lab_iam', region: 'eu-west-1', credentials: LOCAL_CREDENTIALS };

async function sign(over: { hostname?: string; port?: number; username?: string; region?: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } } = {}, at?: Date): Promise<string> {
  if (at) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(at);
  }
  try {
    return await new Signer({ hostname: '127.0.0.1', port: 15500, username: 'lab_iam', region: 'eu-west-1', credentials: LOCAL_CREDENTIALS, ...over }).getAuthToken();
  } finally {
    vi.useRealTimers();
  }
}

afterEach(() => vi.useRealTimers());

describe('verifyIamToken', () => {
  it('accepts a fresh token for this endpoint, user and region', async () => {
    expect(await verifyIamToken(await sign(), expectation)).toEqual({ ok: true });
  });

  it('accepts a token for the endpoint named localhost, and one carrying a session token', async () => {
    expect(await verifyIamToken(await sign({ hostname: 'localhost' }), expectation)).toEqual({ ok: true });
    const withSession = await sign({ credentials: { ...LOCAL_CREDENTIALS, sessionToken: 'sess/+=token' } });
    expect(withSession).toContain('X-Amz-Security-Token=');
    expect(await verifyIamToken(withSession, expectation)).toEqual({ ok: true });
  });

  it('accepts user names that need escaping', async () => {
    const user = 'Lab User+é/1';
    expect(await verifyIamToken(await sign({ username: user }), { ...expectation, user })).toEqual({ ok: true });
  });

  it('refuses a token issued more than 15 minutes ago', async () => {
    const old = await sign({}, new Date(Date.now() - 16 * 60_000));
    expect(await verifyIamToken(old, expectation)).toEqual({ ok: false, reason: 'expired' });
    const recent = await sign({}, new Date(Date.now() - 14 * 60_000));
    expect(await verifyIamToken(recent, expectation)).toEqual({ ok: true });
  });

  it('tolerates a little clock skew into the future, not a token from tomorrow', async () => {
    expect(await verifyIamToken(await sign({}, new Date(Date.now() + 60_000)), expectation)).toEqual({ ok: true });
    expect(await verifyIamToken(await sign({}, new Date(Date.now() + 24 * 3600_000)), expectation)).toEqual({ ok: false, reason: 'not-yet-valid' });
  });

  it('refuses a tampered signature, or a tampered parameter under a kept signature', async () => {
    const t = await sign();
    const flipped = t.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    expect(await verifyIamToken(flipped, expectation)).toEqual({ ok: false, reason: 'bad-signature' });
    const longer = t.replace('X-Amz-Expires=900', 'X-Amz-Expires=899');
    expect(await verifyIamToken(longer, expectation)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a token signed with another secret for the same key id', async () => {
    const t = await sign({ credentials: { accessKeyId: LOCAL_CREDENTIALS.accessKeyId, secretAccessKey: 'guessed' } });
    expect(await verifyIamToken(t, expectation)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses a token signed with other credentials', async () => {
    const t = await sign({ credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' } });
    expect(await verifyIamToken(t, expectation)).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it('refuses a token for another user, host, port or region', async () => {
    expect(await verifyIamToken(await sign({ username: 'someone_else' }), expectation)).toEqual({ ok: false, reason: 'wrong-user' });
    expect(await verifyIamToken(await sign({ hostname: 'db.example.com' }), expectation)).toEqual({ ok: false, reason: 'wrong-host' });
    expect(await verifyIamToken(await sign({ port: 15501 }), expectation)).toEqual({ ok: false, reason: 'wrong-host' });
    expect(await verifyIamToken(await sign({ region: 'us-east-1' }), expectation)).toEqual({ ok: false, reason: 'wrong-region' });
  });

  it('refuses what is not a token at all', async () => {
    const t = await sign();
    for (const bad of ['', 'secret', `https://${t}`, t.replace('Action=connect', 'Action=admin'), t.replace(/&X-Amz-Date=[^&]+/, ''), `${t}&X-Amz-Signature=00`, t.replace('/?', '/x?')]) {
      expect(await verifyIamToken(bad, expectation)).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
