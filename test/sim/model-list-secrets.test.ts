import { describe, expect, it } from 'vitest';
import { code, simCloud } from './sim-fixture.js';

async function account() {
  const { rds, call, clock } = simCloud();
  const sm = (op: string, input: Record<string, unknown> = {}) => call('secrets-manager', op, input);
  await sm('CreateSecret', { Name: 'lab/app-password', Description: 'The App password', SecretString: 'x', Tags: [{ Key: 'team', Value: 'blue' }] });
  clock.t += 1000;
  await sm('CreateSecret', { Name: 'lab/report-password', SecretString: 'y', Tags: [{ Key: 'team', Value: 'red' }] });
  clock.t += 1000;
  await rds('CreateDBCluster', { DBClusterIdentifier: 'lab', Engine: 'aurora-postgresql', MasterUsername: 'admin_user', ManageMasterUserPassword: true });
  clock.t += 1000;
  await sm('CreateSecret', { Name: 'old-one', SecretString: 'z' });
  await sm('DeleteSecret', { SecretId: 'old-one', RecoveryWindowInDays: 7 });
  return { sm };
}

const names = (out: Record<string, any>) => (out.SecretList as { Name: string }[]).map((s) => s.Name);

describe('Secrets Manager ListSecrets', () => {
  it('lists by CreatedDate, leaves out secrets scheduled for deletion unless asked, and pages with an opaque token', async () => {
    const { sm } = await account();
    const all = names(await sm('ListSecrets'));
    expect(all).toHaveLength(3);
    expect(all.slice(0, 2)).toEqual(['lab/app-password', 'lab/report-password']);
    expect(all[2]).toMatch(/^rds!cluster-/);
    expect(names(await sm('ListSecrets', { IncludePlannedDeletion: true }))).toContain('old-one');
    expect(names(await sm('ListSecrets', { SortOrder: 'desc' }))).toEqual([...all].reverse());

    const first = await sm('ListSecrets', { MaxResults: 2 });
    expect(names(first)).toEqual(all.slice(0, 2));
    const second = await sm('ListSecrets', { MaxResults: 2, NextToken: first.NextToken });
    expect(names(second)).toEqual(all.slice(2));
    expect(second.NextToken).toBeUndefined();
    expect(await code(sm('ListSecrets', { NextToken: 'not-a-token' }))).toBe('InvalidNextTokenException');
    expect(await code(sm('ListSecrets', { MaxResults: 101 }))).toBe('InvalidParameterException');
  });

  it('filters by prefix, with case only where the API reference says so, ANDs filters and negates with !', async () => {
    const { sm } = await account();
    const list = async (Filters: unknown) => names(await sm('ListSecrets', { Filters }));
    expect(await list([{ Key: 'name', Values: ['lab/'] }])).toEqual(['lab/app-password', 'lab/report-password']);
    expect(await list([{ Key: 'name', Values: ['LAB/'] }])).toEqual([]);
    expect(await list([{ Key: 'description', Values: ['the app'] }])).toEqual(['lab/app-password']);
    expect(await list([{ Key: 'tag-value', Values: ['red', 'blue'] }])).toEqual(['lab/app-password', 'lab/report-password']);
    expect(await list([{ Key: 'name', Values: ['lab/'] }, { Key: 'tag-value', Values: ['!blue'] }])).toEqual(['lab/report-password']);
    expect((await list([{ Key: 'owning-service', Values: ['rds'] }]))[0]).toMatch(/^rds!cluster-/);
    expect(await code(sm('ListSecrets', { Filters: [{ Key: 'colour', Values: ['x'] }] }))).toBe('InvalidParameterException');
    expect(await code(sm('ListSecrets', { Filters: [{ Key: 'name', Values: [] }] }))).toBe('InvalidParameterException');
  });

  it('describes each secret as DescribeSecret does, never with its value', async () => {
    const { sm } = await account();
    const out = await sm('ListSecrets', { Filters: [{ Key: 'name', Values: ['lab/app'] }] });
    expect(out.SecretList[0]).toMatchObject({ Name: 'lab/app-password', Description: 'The App password', RotationEnabled: false, Tags: [{ Key: 'team', Value: 'blue' }] });
    expect(JSON.stringify(out)).not.toContain('SecretString');
  });
});
