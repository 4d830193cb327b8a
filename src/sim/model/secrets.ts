/**
 * Secrets Manager. RDS-managed master passwords (ManageMasterUserPassword): RDS creates the secret,
 * rotates it on request, and deletes it with its cluster or instance. And secrets a caller makes
 * (CreateSecret): a global database's master password, which RDS cannot manage.
 */
import { createHash } from 'node:crypto';
import { randomPassword, secretSuffix, uuid } from './ids.js';
import { fail } from './errors.js';
import { optBool, optNum, optStr, reqStr, tagList } from './input.js';
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

/**
 * A secret a caller made. ownerArn is '' (no RDS resource owns it); deletedAt is set while a deletion
 * with a recovery window is pending (the record is kept, as AWS keeps the secret until then).
 */
type CallerSecret = SecretRec & { description?: string; deletedAt?: number };

/** SecretId may be the name, the full ARN, or the ARN without its random suffix. */
function findSecret(rt: Runtime, secretId: string, region: string): CallerSecret {
  const found = Object.values(rt.state.secrets).find(
    (s) =>
      s.region === region &&
      (s.arn === secretId || s.name === secretId || s.arn.slice(0, -7) === secretId),
  );
  if (!found) fail('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  return found;
}

/** Secret names: 1-512 of letters, digits and /_+=.@-, and not ending like an ARN suffix (-xxxxxx). */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

export const secretsHandlers: Record<string, Handler> = {
  GetSecretValue(rt, input, region) {
    const s = findSecret(rt, reqStr(input, 'SecretId'), region);
    if (s.deletedAt !== undefined) {
      fail('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
    }
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
    const common = {
      ARN: s.arn,
      Name: s.name,
      KmsKeyId: s.kmsKeyId,
      CreatedDate: new Date(s.createdAt),
      LastChangedDate: new Date(s.createdAt),
      Tags: s.tags.map((t) => ({ ...t })),
      VersionIdsToStages: { [s.versionId]: ['AWSCURRENT'] },
    };
    if (!s.ownerArn) {
      return {
        ...common,
        ...(s.description !== undefined ? { Description: s.description } : {}),
        RotationEnabled: false,
        ...(s.deletedAt !== undefined ? { DeletedDate: new Date(s.deletedAt) } : {}),
      };
    }
    return {
      ...common,
      Description: `Secret associated with primary RDS DB resource: ${s.ownerArn}`,
      RotationEnabled: true,
      RotationRules: { AutomaticallyAfterDays: 7 },
      OwningService: 'rds',
    };
  },

  CreateSecret(rt, input, region) {
    const name = reqStr(input, 'Name');
    if (!SECRET_NAME.test(name)) fail('InvalidParameterException', 'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!');
    const existing = Object.values(rt.state.secrets).find((x) => x.region === region && x.name === name) as CallerSecret | undefined;
    if (existing?.deletedAt !== undefined) {
      fail('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.");
    }
    if (existing) fail('ResourceExistsException', `The operation failed because the secret ${name} already exists.`);
    const secretString = optStr(input, 'SecretString');
    const arn = `arn:aws:secretsmanager:${region}:${rt.accountId}:secret:${name}-${secretSuffix()}`;
    const kmsKeyId = optStr(input, 'KmsKeyId') ?? secretsKmsKeyId(rt, region);
    const description = optStr(input, 'Description');
    const rec: CallerSecret = {
      arn,
      name,
      region,
      kmsKeyId,
      secretString: secretString ?? '',
      versionId: optStr(input, 'ClientRequestToken') ?? uuid(),
      createdAt: rt.now(),
      ownerArn: '',
      tags: tagList(input),
      ...(description !== undefined ? { description } : {}),
    };
    rt.state.secrets[arn] = rec;
    return { ARN: arn, Name: name, VersionId: rec.versionId };
  },

  DeleteSecret(rt, input, region) {
    const s = findSecret(rt, reqStr(input, 'SecretId'), region);
    if (s.ownerArn) {
      fail('InvalidRequestException', `You can't delete secret ${s.name} that is managed by rds. Delete or modify the owning resource instead.`);
    }
    const force = optBool(input, 'ForceDeleteWithoutRecovery') ?? false;
    const windowDays = optNum(input, 'RecoveryWindowInDays');
    if (force && windowDays !== undefined) {
      fail('InvalidParameterException', 'You can\'t use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.');
    }
    if (windowDays !== undefined && (windowDays < 7 || windowDays > 30)) fail('InvalidParameterException', 'RecoveryWindowInDays must be between 7 and 30 days.');
    const now = rt.now();
    if (force) {
      delete rt.state.secrets[s.arn];
      // The tagging API goes on listing it for a while, as it does for every deleted resource.
      rt.tombstone(s.arn, s.region, 'secretsmanager:secret', s.tags);
      return { ARN: s.arn, Name: s.name, DeletionDate: new Date(now) };
    }
    s.deletedAt ??= now;
    return { ARN: s.arn, Name: s.name, DeletionDate: new Date(s.deletedAt + (windowDays ?? 30) * 86_400_000) };
  },

  /** RestoreSecret: a secret scheduled for deletion is kept after all. */
  RestoreSecret(rt, input, region) {
    const s = findSecret(rt, reqStr(input, 'SecretId'), region);
    delete s.deletedAt;
    return { ARN: s.arn, Name: s.name };
  },
};
