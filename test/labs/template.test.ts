import { describe, expect, it } from 'vitest';
import { render, TemplateError, toDate } from '../../src/labs/template.js';
import { maskSensitive, validateInput } from '../../src/sim/shapes.js';

describe('$date in templates', () => {
  it('turns seconds from now into a Date, negative meaning the past', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(toDate(-900, now).toISOString()).toBe('2025-12-31T23:45:00.000Z');
    expect(toDate('600', now).toISOString()).toBe('2026-01-01T00:10:00.000Z');
  });

  it('turns ISO 8601 text into a Date', () => {
    expect(toDate('2026-02-03T04:05:06Z').toISOString()).toBe('2026-02-03T04:05:06.000Z');
  });

  it('refuses text that is neither seconds nor a time', () => {
    expect(() => toDate('yesterday')).toThrow(TemplateError);
  });

  it('renders a templated $date member into a Date an SDK timestamp accepts', async () => {
    const input = render(
      { Namespace: 'AWS/RDS', MetricName: 'ServerlessDatabaseCapacity', Period: 60, Statistics: ['Maximum'], StartTime: { $date: '{{ vars.since }}' }, EndTime: { $date: 60 } },
      { vars: { since: '2026-01-01T00:00:00Z' } },
    ) as Record<string, unknown>;
    expect(input.StartTime).toBeInstanceOf(Date);
    expect((input.StartTime as Date).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(input.EndTime).toBeInstanceOf(Date);
    expect(await validateInput('cloudwatch', 'GetMetricStatistics', input)).toEqual([]);
  });

  it('leaves an object with other keys besides $date as an object', () => {
    expect(render({ $date: 1, other: 2 }, {})).toEqual({ $date: 1, other: 2 });
  });

  it('keeps a Date a Date when a recorded call is masked', async () => {
    const d = new Date('2026-01-01T00:00:00Z');
    const start = (await maskSensitive('pi', 'GetResourceMetrics', { StartTime: d })) as Record<string, unknown>;
    expect(start.StartTime).toBeInstanceOf(Date);
    expect((start.StartTime as Date).getTime()).toBe(d.getTime());
    const create = (await maskSensitive('rds', 'ModifyDBCluster', { DBClusterIdentifier: 'c', MasterUserPassword: 'x' })) as Record<string, unknown>;
    expect(create.MasterUserPassword).toBe('***');
  });
});

describe('$generatePassword and $json in templates', () => {
  it('makes a new password of the asked length from letters and digits only, different every time', () => {
    const a = render({ $generatePassword: { length: 32 } }, {}) as string;
    const b = render({ $generatePassword: { length: 32 } }, {}) as string;
    expect(a).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(b).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(a).not.toBe(b);
    // Nothing RDS refuses in a master password.
    expect(a).not.toMatch(/[/"@ ]/);
  });

  it('takes a templated length and defaults to 32', () => {
    expect(render({ $generatePassword: { length: '{{ params.n }}' } }, { params: { n: 12 } })).toMatch(/^[A-Za-z0-9]{12}$/);
    expect(render({ $generatePassword: {} }, {})).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('refuses a length outside 8-128', () => {
    expect(() => render({ $generatePassword: { length: 4 } }, {})).toThrow(TemplateError);
    expect(() => render({ $generatePassword: { length: 500 } }, {})).toThrow(TemplateError);
    expect(() => render({ $generatePassword: { length: 'long' } }, {})).toThrow(TemplateError);
  });

  it('reports each password it makes as a secret, so the run can redact it', () => {
    const seen: string[] = [];
    const out = render({ A: { $generatePassword: { length: 16 } }, B: 'plain' }, {}, { secret: (v) => seen.push(v) }) as Record<string, string>;
    expect(seen).toEqual([out.A]);
  });

  it('renders $json into JSON text, templates and passwords inside it included', () => {
    const seen: string[] = [];
    const text = render(
      { SecretString: { $json: { username: '{{ params.user }}', password: { $generatePassword: { length: 20 } } } } },
      { params: { user: 'labadmin' } },
      { secret: (v) => seen.push(v) },
    ) as { SecretString: string };
    expect(typeof text.SecretString).toBe('string');
    const parsed = JSON.parse(text.SecretString) as { username: string; password: string };
    expect(parsed.username).toBe('labadmin');
    expect(parsed.password).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(seen).toEqual([parsed.password]);
  });

  it('leaves $secretValue for the aws step, with its templates rendered', () => {
    expect(render({ P: { $secretValue: { secretId: '{{ vars.arn }}', key: 'password' } } }, { vars: { arn: 'arn:aws:secretsmanager:us-east-1:1:secret:x' } })).toEqual({
      P: { $secretValue: { secretId: 'arn:aws:secretsmanager:us-east-1:1:secret:x', key: 'password' } },
    });
  });

  it('masks the members that carry them in a recorded call: SecretString and MasterUserPassword are sensitive', async () => {
    const secret = (await maskSensitive('secrets-manager', 'CreateSecret', { Name: 'n', SecretString: '{"password":"x"}' })) as Record<string, unknown>;
    expect(secret).toEqual({ Name: 'n', SecretString: '***' });
    const cluster = (await maskSensitive('rds', 'CreateDBCluster', { DBClusterIdentifier: 'c', Engine: 'aurora-mysql', MasterUserPassword: 'x' })) as Record<string, unknown>;
    expect(cluster.MasterUserPassword).toBe('***');
  });
});
