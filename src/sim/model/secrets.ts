/**
 * Secrets Manager, for RDS-managed master passwords (ManageMasterUserPassword): RDS creates the secret,
 * rotates it on request, and deletes it with its cluster or instance.
 */
import { createHash } from 'node:crypto';
import { fail } from './errors.js';
import { randomPassword, secretSuffix, uuid } from './ids.js';
import { reqStr } from './input.js';
import type { Handler, Runtime } from './runtime.js';
import type { MasterSecret, SecretRec } from './state.js';

/** The account's aws/secretsmanager key in a region, stable like the real one. */
export function secretsKmsKeyId(rt: Runtime, region: string): string {
  const h = createHash('sha256').update(`kms:${rt.accountId}:${region}`).digest('hex');
  return `arn:aws:kms:${region}:${rt.accountId}:key/${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function createManagedSecret(
  rt: Runtime,
  region: string,
  owner: { kind: 'cluster' | 'db'; arn: string },
  username: string,
  kmsKeyId?: string,
): { secret: MasterSecret; password: string } {
  const name = `rds!${owner.kind}-${uuid()}`;
  const arn = `arn:aws:secretsmanager:${region}:${rt.accountId}:secret:${name}-${secretSuffix()}`;
  const password = randomPassword();
  const rec: SecretRec = {
    arn,
    name,
    region,
    kmsKeyId: kmsKeyId ?? secretsKmsKeyId(rt, region),
    secretString: JSON.stringify({ username, password }),
    versionId: uuid(),
    createdAt: rt.now(),
    ownerArn: owner.arn,
    tags: [
      { Key: owner.kind === 'cluster' ? 'aws:rds:primaryDBClusterArn' : 'aws:rds:primaryDBInstanceArn', Value: owner.arn },
      { Key: 'aws:secretsmanager:owningService', Value: 'rds' },
    ],
  };
  rt.state.secrets[arn] = rec;
  return { secret: { arn, kmsKeyId: rec.kmsKeyId }, password };
}

/** A new password in the same secret (RotateMasterUserPassword). */
export function rotateManagedSecret(rt: Runtime, secret: MasterSecret): string {
  const rec = rt.state.secrets[secret.arn];
  const password = randomPassword();
  if (rec) {
    const { username } = JSON.parse(rec.secretString) as { username: string };
    rec.secretString = JSON.stringify({ username, password });
    rec.versionId = uuid();
  }
  return password;
}

export function deleteManagedSecret(rt: Runtime, secret: MasterSecret | undefined): void {
  if (secret) delete rt.state.secrets[secret.arn];
}

export function masterUserSecretOut(secret: MasterSecret | undefined): Record<string, unknown> {
  return secret ? { MasterUserSecret: { SecretArn: secret.arn, SecretStatus: 'active', KmsKeyId: secret.kmsKeyId } } : {};
}

/** SecretId may be the name, the full ARN, or the ARN without its random suffix. */
function findSecret(rt: Runtime, secretId: string, region: string): SecretRec {
  const found = Object.values(rt.state.secrets).find(
    (s) =>
      s.region === region &&
      (s.arn === secretId || s.name === secretId || s.arn.slice(0, -7) === secretId),
  );
  if (!found) fail('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  return found;
}

export const secretsHandlers: Record<string, Handler> = {
  GetSecretValue(rt, input, region) {
    const s = findSecret(rt, reqStr(input, 'SecretId'), region);
    return {
      ARN: s.arn,
      Name: s.name,
      VersionId: s.versionId,
      SecretString: s.secretString,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date(s.createdAt),
    };
  },

  DescribeSecret(rt, input, region) {
    const s = findSecret(rt, reqStr(input, 'SecretId'), region);
    return {
      ARN: s.arn,
      Name: s.name,
      Description: `Secret associated with primary RDS DB resource: ${s.ownerArn}`,
      KmsKeyId: s.kmsKeyId,
      RotationEnabled: true,
      RotationRules: { AutomaticallyAfterDays: 7 },
      CreatedDate: new Date(s.createdAt),
      LastChangedDate: new Date(s.createdAt),
      Tags: s.tags.map((t) => ({ ...t })),
      VersionIdsToStages: { [s.versionId]: ['AWSCURRENT'] },
      OwningService: 'rds',
    };
  },
};
