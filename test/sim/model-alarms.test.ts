/** CloudWatch metric alarms in the model: validation, evaluation over the metrics, history, deletion. */
import { describe, expect, it } from 'vitest';
import type { MetricQuery } from '../../src/sim/model/cloud.js';
import { code, serviceCaller, simCloud } from './sim-fixture.js';

const T0 = Date.UTC(2025, 0, 1);

/** A metrics provider whose DatabaseConnections per minute the test sets: minute -> value. */
function connections() {
  const perMinute = new Map<number, number>();
  const provider = (q: MetricQuery) => {
    if (q.metricName !== 'DatabaseConnections') return undefined;
    const timestamps: Date[] = [];
    const values: number[] = [];
    for (const [minute, v] of perMinute) {
      const t = T0 + minute * 60_000;
      if (t >= q.start.getTime() && t < q.end.getTime()) {
        timestamps.push(new Date(t));
        values.push(v);
      }
    }
    return { timestamps, values };
  };
  return { perMinute, provider };
}

const ALARM = {
  AlarmName: 'lab-connections',
  Namespace: 'AWS/RDS',
  MetricName: 'DatabaseConnections',
  Dimensions: [{ Name: 'DBClusterIdentifier', Value: 'c1' }],
  Statistic: 'Maximum',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 5,
  ComparisonOperator: 'GreaterThanThreshold',
};

describe('PutMetricAlarm', () => {
  it('refuses a period that is not 10, 20, 30 or a multiple of 60, DatapointsToAlarm above EvaluationPeriods, and an unknown statistic', async () => {
    const { sim } = simCloud();
    const cw = serviceCaller(sim, 'cloudwatch');
    expect(await code(cw('PutMetricAlarm', { ...ALARM, Period: 45 }))).toBe('InvalidParameterValue');
    expect(await code(cw('PutMetricAlarm', { ...ALARM, DatapointsToAlarm: 2 }))).toBe('InvalidParameterValue');
    expect(await code(cw('PutMetricAlarm', { ...ALARM, Statistic: 'Median' }))).toBe('InvalidParameterValue');
    expect(await code(cw('PutMetricAlarm', { ...ALARM, Period: 60, EvaluationPeriods: 1441 }))).toBe('InvalidParameterValue');
  });
});

describe('alarm evaluation', () => {
  it('starts INSUFFICIENT_DATA, goes to ALARM when the last period breaches and back to OK after, with each change in the history', async () => {
    const { perMinute, provider } = connections();
    const { sim, clock } = simCloud({ metrics: provider });
    const cw = serviceCaller(sim, 'cloudwatch');
    await cw('PutMetricAlarm', { ...ALARM, Tags: [{ Key: 'k', Value: 'v' }] });
    const state = async () => (await cw('DescribeAlarms', { AlarmNames: ['lab-connections'] })).MetricAlarms[0];
    clock.t = T0 + 30_000;
    expect((await state()).StateValue).toBe('INSUFFICIENT_DATA');
    perMinute.set(0, 2);
    clock.t = T0 + 61_000;
    expect((await state()).StateValue).toBe('OK');
    perMinute.set(1, 9);
    clock.t = T0 + 121_000;
    const alarm = await state();
    expect(alarm.StateValue).toBe('ALARM');
    expect(alarm.StateReason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[9 \(01\/01\/25 00:01:00\)\] was greater than the threshold \(5\)/);
    perMinute.set(2, 1);
    clock.t = T0 + 181_000;
    expect((await state()).StateValue).toBe('OK');
    const history = await cw('DescribeAlarmHistory', { AlarmName: 'lab-connections', HistoryItemType: 'StateUpdate', ScanBy: 'TimestampAscending' });
    expect(history.AlarmHistoryItems.map((h: { HistorySummary: string }) => h.HistorySummary)).toEqual([
      'Alarm updated from INSUFFICIENT_DATA to OK',
      'Alarm updated from OK to ALARM',
      'Alarm updated from ALARM to OK',
    ]);
    const arn = alarm.AlarmArn;
    expect((await cw('ListTagsForResource', { ResourceARN: arn })).Tags).toEqual([{ Key: 'k', Value: 'v' }]);
  });

  it('needs DatapointsToAlarm of the EvaluationPeriods breaching, and treats missing data as TreatMissingData says', async () => {
    const { perMinute, provider } = connections();
    const { sim, clock } = simCloud({ metrics: provider });
    const cw = serviceCaller(sim, 'cloudwatch');
    await cw('PutMetricAlarm', { ...ALARM, AlarmName: 'two-of-three', EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    await cw('PutMetricAlarm', { ...ALARM, AlarmName: 'missing-breaches', TreatMissingData: 'breaching' });
    perMinute.set(0, 9);
    perMinute.set(1, 1);
    clock.t = T0 + 181_000;
    const states = async () => Object.fromEntries((await cw('DescribeAlarms', {})).MetricAlarms.map((a: { AlarmName: string; StateValue: string }) => [a.AlarmName, a.StateValue]));
    // minute 2 has no point: one of three breaching is OK; the other alarm sees minute 2 missing, counted as breaching.
    expect(await states()).toEqual({ 'missing-breaches': 'ALARM', 'two-of-three': 'OK' });
    perMinute.set(2, 8);
    perMinute.set(3, 7);
    clock.t = T0 + 241_000;
    expect(await states()).toEqual({ 'missing-breaches': 'ALARM', 'two-of-three': 'ALARM' });
  });

  it('deletes alarms, and deletes none when one of the names is unknown', async () => {
    const { sim } = simCloud();
    const cw = serviceCaller(sim, 'cloudwatch');
    await cw('PutMetricAlarm', ALARM);
    expect(await code(cw('DeleteAlarms', { AlarmNames: ['lab-connections', 'nope'] }))).toBe('ResourceNotFound');
    expect((await cw('DescribeAlarms', {})).MetricAlarms).toHaveLength(1);
    await cw('DeleteAlarms', { AlarmNames: ['lab-connections'] });
    expect((await cw('DescribeAlarms', {})).MetricAlarms).toEqual([]);
  });
});

describe('evaluation between reads', () => {
  it('evaluates every period that ended since the last read, so a spike between two reads is in the history', async () => {
    const { perMinute, provider } = connections();
    const { sim, clock } = simCloud({ metrics: provider });
    const cw = serviceCaller(sim, 'cloudwatch');
    await cw('PutMetricAlarm', { ...ALARM, TreatMissingData: 'notBreaching' });
    perMinute.set(1, 12);
    clock.t = T0 + 5 * 60_000 + 1000;
    const alarm = (await cw('DescribeAlarms', {})).MetricAlarms[0];
    expect(alarm.StateValue).toBe('OK');
    const items = (await cw('DescribeAlarmHistory', { HistoryItemType: 'StateUpdate', ScanBy: 'TimestampAscending' })).AlarmHistoryItems;
    expect(items.map((h: { HistorySummary: string; Timestamp: Date }) => [h.HistorySummary, h.Timestamp.getTime() - T0])).toEqual([
      ['Alarm updated from INSUFFICIENT_DATA to OK', 60_000],
      ['Alarm updated from OK to ALARM', 120_000],
      ['Alarm updated from ALARM to OK', 180_000],
    ]);
  });
});
