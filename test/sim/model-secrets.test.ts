/** Secrets a caller makes (CreateSecret): what a global database lab keeps its master password in. */
import { describe, expect, it } from 'vitest';
import { SimCloud } from '../../src/sim/model/cloud.js';
import { SimError, type SimService } from '../../src/sim/types.js';

const REGION = 'us-east-1';
const TAGS = [{ Key: 'aurora-lab:run-id', Value: 'r1' }];

function setup() {
  const clock = { t: Date.UTC(2025, 0, 1) };
  const sim = new SimCloud({ now: () => clock.t });
  const sm = (operation: string, input: Record<string, unknown> = {}, region = REGION) =>
    sim.call({ service: 'secrets-manager' as SimService, operation, input, region }) as Promise<Record<string, any>>;
  return { sim, clock, sm };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof SimError) return err.code;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('CreateSecret, DescribeSecret, DeleteSecret', () => {
  it('creates a secret with its value and tags, readable by name or ARN', async () => {
    const { sm } = setup();
    const made = await sm('CreateSecret', { Name: 'lab-master', SecretString: '{"username":"u","password":"p4ssw0rdp4ss"}', Tags: TAGS });
    expect(made).toEqual({ ARN: expect.stringMatching(/^arn:aws:secretsmanager:us-east-1:123456789012:secret:lab-master-[A-Za-z]{6}$/), Name: 'lab-master', VersionId: expect.any(String) });
    expect((await sm('GetSecretValue', { SecretId: 'lab-master' })).SecretString).toBe('{"username":"u","password":"p4ssw0rdp4ss"}');
    const described = await sm('DescribeSecret', { SecretId: made.ARN });
    expect(described).toMatchObject({ ARN: made.ARN, Name: 'lab-master', Tags: TAGS, RotationEnabled: false });
    expect(described.OwningService).toBeUndefined();
    expect(described.DeletedDate).toBeUndefined();
  });

  it('refuses a second secret of the same name in the region, and allows it in another region', async () => {
    const { sm } = setup();
    await sm('CreateSecret', { Name: 'dup', SecretString: 'x' });
    expect(await code(sm('CreateSecret', { Name: 'dup', SecretString: 'y' }))).toBe('ResourceExistsException');
    await expect(sm('CreateSecret', { Name: 'dup', SecretString: 'y' }, 'us-west-2')).resolves.toMatchObject({ Name: 'dup' });
    expect(await code(sm('DescribeSecret', { SecretId: 'dup' }, 'eu-west-1'))).toBe('ResourceNotFoundException');
  });

  it('deletes at once with ForceDeleteWithoutRecovery, after which DescribeSecret finds nothing', async () => {
    const { sm } = setup();
    const made = await sm('CreateSecret', { Name: 'gone', SecretString: 'x', Tags: TAGS });
    await sm('DeleteSecret', { SecretId: made.ARN, ForceDeleteWithoutRecovery: true });
    expect(await code(sm('DescribeSecret', { SecretId: made.ARN }))).toBe('ResourceNotFoundException');
    expect(await code(sm('GetSecretValue', { SecretId: 'gone' }))).toBe('ResourceNotFoundException');
    await expect(sm('CreateSecret', { Name: 'gone', SecretString: 'x' })).resolves.toMatchObject({ Name: 'gone' });
  });

  it('schedules a deletion with a recovery window: DeletedDate is set, the value unreadable, the name taken', async () => {
    const { sm } = setup();
    const made = await sm('CreateSecret', { Name: 'later', SecretString: 'x' });
    const out = await sm('DeleteSecret', { SecretId: 'later', RecoveryWindowInDays: 7 });
    expect(out.DeletionDate).toEqual(new Date(Date.UTC(2025, 0, 8)));
    expect((await sm('DescribeSecret', { SecretId: made.ARN })).DeletedDate).toEqual(new Date(Date.UTC(2025, 0, 1)));
    expect(await code(sm('GetSecretValue', { SecretId: 'later' }))).toBe('InvalidRequestException');
    expect(await code(sm('CreateSecret', { Name: 'later', SecretString: 'y' }))).toBe('InvalidRequestException');
    expect(await code(sm('DeleteSecret', { SecretId: 'later', ForceDeleteWithoutRecovery: true, RecoveryWindowInDays: 7 }))).toBe('InvalidParameterException');
  });

  it('refuses to delete a secret RDS manages for a cluster', async () => {
    const { sim, sm } = setup();
    const c = (await sim.call({ service: 'rds', operation: 'CreateDBCluster', input: { DBClusterIdentifier: 'c', Engine: 'aurora-postgresql', MasterUsername: 'u', ManageMasterUserPassword: true }, region: REGION })) as Record<string, any>;
    expect(await code(sm('DeleteSecret', { SecretId: c.DBCluster.MasterUserSecret.SecretArn, ForceDeleteWithoutRecovery: true }))).toBe('InvalidRequestException');
  });

  it('lists tagged secrets in the tagging API under secretsmanager:secret, and a deleted one for a while after', async () => {
    const { sim, sm } = setup();
    const made = await sm('CreateSecret', { Name: 'tagged', SecretString: 'x', Tags: TAGS });
    const list = async () =>
      ((await sim.call({ service: 'tagging', operation: 'GetResources', input: { ResourceTypeFilters: ['secretsmanager:secret'], TagFilters: [{ Key: 'aurora-lab:run-id' }] }, region: REGION })) as Record<string, any>)
        .ResourceTagMappingList as { ResourceARN: string }[];
    expect((await list()).map((r) => r.ResourceARN)).toEqual([made.ARN]);
    await sm('DeleteSecret', { SecretId: made.ARN, ForceDeleteWithoutRecovery: true });
    expect((await list()).map((r) => r.ResourceARN)).toEqual([made.ARN]);
  });
});
