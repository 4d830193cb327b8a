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
