/** Secrets a caller makes (CreateSecret): what a global database lab keeps its master password in. */
import { describe, expect, it } from 'vitest';
import { code, serviceCaller, simCloud } from './sim-fixture.js';

const REGION = 'us-east-1';
const TAGS = [{ Key: 'aurora-lab:run-id', Value: 'r1' }];

/** The model, with `sm` calling Secrets Manager in REGION unless a call names another. */
function setup() {
  const { sim, clock } = simCloud();
  return { sim, clock, sm: serviceCaller(sim, 'secrets-manager', REGION) };
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
