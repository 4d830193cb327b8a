/**
 * `{ $secretValue: { secretId, key } }` in an aws step's input: a value read from Secrets Manager just
 * before the call is sent, and never stored. The read is recorded as a call (its input is only the
 * secret's id), the value joins ex.secrets for redaction, and the call that carries it is recorded
 * with the SDK's sensitive members masked (MasterUserPassword, SecretString).
 */
import { UsageError } from '../../errors.js';
import type { StepRecord } from '../../state/run-state.js';
import { recordCall, type Execution } from '../execution.js';
import { regionOfArn } from '../teardown/resource-types.js';

const KEY = '$secretValue';

export function hasSecretValues(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasSecretValues);
  if (value === null || typeof value !== 'object' || value instanceof Date) return false;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === KEY) return true;
  return Object.values(value).some(hasSecretValues);
}

/** A copy of value with every $secretValue replaced by the text it names. */
export async function resolveSecretValues(ex: Execution, rec: StepRecord, value: unknown, region: string): Promise<unknown> {
  if (!hasSecretValues(value)) return value;
  const read = new Map<string, Promise<string>>();
  const walk = async (v: unknown): Promise<unknown> => {
    if (Array.isArray(v)) return Promise.all(v.map(walk));
    if (v === null || typeof v !== 'object' || v instanceof Date) return v;
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === KEY) {
      const spec = (v as Record<string, unknown>)[KEY] as Record<string, unknown> | null;
      const secretId = spec && typeof spec === 'object' ? spec.secretId : undefined;
      const key = spec && typeof spec === 'object' ? spec.key : undefined;
      if (typeof secretId !== 'string' || secretId === '' || (key !== undefined && typeof key !== 'string')) {
        throw new UsageError(`$secretValue needs { secretId: <name or ARN>, key: <JSON member, optional> }, got ${JSON.stringify(spec)}`, { code: 'LAB_RUNTIME' });
      }
      const cacheKey = `${secretId}\u0000${key ?? ''}`;
      if (!read.has(cacheKey)) read.set(cacheKey, readSecret(ex, rec, secretId, key, region));
      return read.get(cacheKey);
    }
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) out[k] = await walk(inner);
    return out;
  };
  return walk(value);
}

async function readSecret(ex: Execution, rec: StepRecord, secretId: string, key: string | undefined, region: string): Promise<string> {
  // A secret lives in one region: its ARN says which; a bare name is looked up where the call goes.
  const where = secretId.startsWith('arn:') ? (regionOfArn(secretId) ?? region) : region;
  const input = { SecretId: secretId };
  await recordCall(ex, rec, { service: 'secrets-manager', operation: 'GetSecretValue', input, region: where });
  const out = await ex.target.clients.send('secrets-manager', 'GetSecretValue', input, { region: where, signal: ex.signal });
  const text = typeof out.SecretString === 'string' ? out.SecretString : undefined;
  let value: unknown = text;
  if (text !== undefined && key !== undefined) {
    try {
      value = (JSON.parse(text) as Record<string, unknown>)[key];
    } catch {
      value = undefined;
    }
  }
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`the secret ${secretId} holds no ${key ? `"${key}" member` : 'text'}`, {
      code: 'SECRET_UNREADABLE',
      hint: key ? 'the secret must hold JSON such as {"username": "...", "password": "..."}' : 'store the value as SecretString',
    });
  }
  ex.secrets.add(value);
  if (text) ex.secrets.add(text);
  return value;
}
