/**
 * CloudWatch metric alarms: PutMetricAlarm validated as AWS validates it, and an evaluation over the
 * model's metrics (the synthesized ones, or the local target's real ones) each time an alarm is read.
 * The state moves OK / ALARM / INSUFFICIENT_DATA by AWS's rules: the last EvaluationPeriods whole
 * periods, DatapointsToAlarm of them breaching for ALARM, missing data as TreatMissingData says, and
 * every change recorded in the alarm's history (StateUpdate, ConfigurationUpdate).
 */
import { fail } from './errors.js';
import { optNum, optStr, reqStr, strList, tagList } from './input.js';
import type { Handler, Input, Runtime } from './runtime.js';
import { rkey, type AlarmRec } from './state.js';
import { toMillis } from './time.js';
import { dimensions, series } from './cloudwatch.js';
import { pageToken, tokenOffset } from './paging.js';

const STATISTICS = new Set(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);
const COMPARISONS: Record<string, { word: string; test: (v: number, t: number) => boolean }> = {
  GreaterThanOrEqualToThreshold: { word: 'greater than or equal to', test: (v, t) => v >= t },
  GreaterThanThreshold: { word: 'greater than', test: (v, t) => v > t },
  LessThanThreshold: { word: 'less than', test: (v, t) => v < t },
  LessThanOrEqualToThreshold: { word: 'less than or equal to', test: (v, t) => v <= t },
};
const MISSING = new Set(['breaching', 'notBreaching', 'ignore', 'missing']);

function invalid(message: string): never {
  fail('InvalidParameterValue', message);
}

function alarms(rt: Runtime): Record<string, AlarmRec> {
  return (rt.state.alarms ??= {});
}

function alarmArn(rt: Runtime, region: string, name: string): string {
  return `arn:aws:cloudwatch:${region}:${rt.accountId}:alarm:${name}`;
}

function checkConfig(input: Input): Record<string, unknown> {
  const name = reqStr(input, 'AlarmName');
  if (name.length > 255) invalid('The parameter AlarmName must be at most 255 characters long.');
  if (input['Metrics'] !== undefined) invalid('Metric math alarms (Metrics) are not modelled by the simulated CloudWatch.');
  const metricName = reqStr(input, 'MetricName');
  const namespace = reqStr(input, 'Namespace');
  const statistic = optStr(input, 'Statistic');
  if (statistic === undefined && input['ExtendedStatistic'] === undefined) fail('MissingParameter', 'Either Statistic or ExtendedStatistic must be specified.');
  if (statistic !== undefined && !STATISTICS.has(statistic)) invalid(`The parameter Statistic must be one of ${[...STATISTICS].join(', ')}.`);
  if (input['ExtendedStatistic'] !== undefined) invalid('Percentile statistics (ExtendedStatistic) are not modelled by the simulated CloudWatch.');
  const period = optNum(input, 'Period');
  if (period === undefined) fail('MissingParameter', 'The parameter Period is required.');
  if (!([10, 20, 30].includes(period) || (period > 0 && period % 60 === 0))) invalid('The parameter Period must be 10, 20, 30 or a multiple of 60.');
  const evaluationPeriods = optNum(input, 'EvaluationPeriods');
  if (evaluationPeriods === undefined || !Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) invalid('The parameter EvaluationPeriods must be an integer of at least 1.');
  const limit = period >= 3600 ? 7 * 86400 : 86400;
  if (period * evaluationPeriods > limit) invalid(`The evaluation period (Period * EvaluationPeriods) must not exceed ${limit} seconds.`);
  const datapoints = optNum(input, 'DatapointsToAlarm') ?? evaluationPeriods;
  if (!Number.isInteger(datapoints) || datapoints < 1 || datapoints > evaluationPeriods) invalid('DatapointsToAlarm must be between 1 and EvaluationPeriods.');
  const comparison = reqStr(input, 'ComparisonOperator');
  if (!COMPARISONS[comparison]) invalid(`The parameter ComparisonOperator ${comparison} is not valid for a static threshold alarm.`);
  const threshold = optNum(input, 'Threshold');
  if (threshold === undefined) invalid('Threshold must be specified for a static threshold alarm.');
  const missing = optStr(input, 'TreatMissingData') ?? 'missing';
  if (!MISSING.has(missing)) invalid('The parameter TreatMissingData must be one of breaching, notBreaching, ignore, missing.');
  return {
    AlarmName: name,
    ...(optStr(input, 'AlarmDescription') !== undefined ? { AlarmDescription: optStr(input, 'AlarmDescription') } : {}),
    ActionsEnabled: input['ActionsEnabled'] !== false,
    OKActions: strList(input, 'OKActions'),
    AlarmActions: strList(input, 'AlarmActions'),
    InsufficientDataActions: strList(input, 'InsufficientDataActions'),
    MetricName: metricName,
    Namespace: namespace,
    Statistic: statistic,
    Dimensions: Array.isArray(input['Dimensions']) ? (input['Dimensions'] as Input[]).map((d) => ({ Name: String(d['Name']), Value: String(d['Value']) })) : [],
    Period: period,
    ...(optStr(input, 'Unit') !== undefined ? { Unit: optStr(input, 'Unit') } : {}),
    EvaluationPeriods: evaluationPeriods,
    DatapointsToAlarm: datapoints,
    Threshold: threshold,
    ComparisonOperator: comparison,
    TreatMissingData: missing,
  };
}

function stamp(t: number): string {
  const d = new Date(t);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${String(d.getUTCFullYear()).slice(2)} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function setState(a: AlarmRec, at: number, state: AlarmRec['state'], reason: string, data?: Record<string, unknown>): void {
  if (a.state === state) return;
  const old = { stateValue: a.state, stateReason: a.stateReason };
  a.state = state;
  a.stateReason = reason;
  a.stateReasonData = data ? JSON.stringify(data) : undefined;
  a.stateUpdatedAt = at;
  a.history.push({
    timestamp: at,
    type: 'StateUpdate',
    summary: `Alarm updated from ${old.stateValue} to ${state}`,
    data: JSON.stringify({ version: '1.0', oldState: old, newState: { stateValue: state, stateReason: reason, ...(data ? { stateReasonData: data } : {}) } }),
  });
}

/** Evaluations caught up at once after a long gap (the virtual clock jumps): the newest ones only. */
const MAX_CATCH_UP = 60;

/**
 * Evaluate every period that has ended since the last evaluation, as CloudWatch evaluates an alarm
 * each period whether anyone looks or not: each one over the EvaluationPeriods periods before it.
 */
export async function evaluateAlarm(rt: Runtime, a: AlarmRec): Promise<void> {
  const c = a.config;
  const period = Number(c['Period']);
  const n = Number(c['EvaluationPeriods']);
  const step = period * 1000;
  const last = Math.floor(rt.now() / step) * step;
  const from = Math.max(a.evaluatedUntil ?? Math.floor(a.configUpdatedAt / step) * step, last - MAX_CATCH_UP * step);
  if (from >= last) return;
  const s = await series(rt, {
    region: a.region,
    namespace: String(c['Namespace']),
    metricName: String(c['MetricName']),
    dimensions: dimensions(c['Dimensions']),
    start: new Date(from + step - n * step),
    end: new Date(last),
    periodSeconds: period,
    stat: String(c['Statistic']),
  });
  const byPeriod = new Map<number, number>();
  s.timestamps.forEach((t, i) => byPeriod.set(Math.floor(t.getTime() / step) * step, s.values[i]!));
  for (let end = from + step; end <= last; end += step) evaluateAt(a, end, byPeriod);
  a.evaluatedUntil = last;
}

function evaluateAt(a: AlarmRec, end: number, byPeriod: Map<number, number>): void {
  const c = a.config;
  const period = Number(c['Period']);
  const step = period * 1000;
  const n = Number(c['EvaluationPeriods']);
  const m = Number(c['DatapointsToAlarm']);
  const threshold = Number(c['Threshold']);
  const cmp = COMPARISONS[String(c['ComparisonOperator'])]!;
  const points: [number, number][] = [];
  for (let t = end - step; t >= end - n * step; t -= step) if (byPeriod.has(t)) points.push([t, byPeriod.get(t)!]);
  const missing = String(c['TreatMissingData']);
  const absent = n - points.length;
  const breaching = points.filter(([, v]) => cmp.test(v, threshold)).length + (missing === 'breaching' ? absent : 0);
  const shown = points.map(([t, v]) => `${v} (${stamp(t)})`).join(', ');
  const data = { version: '1.0', queryDate: new Date(end).toISOString(), statistic: c['Statistic'], period, recentDatapoints: points.map(([, v]) => v), threshold, evaluatedDatapoints: points.map(([t, v]) => ({ timestamp: new Date(t).toISOString(), value: v })) };
  if (points.length === 0 && (missing === 'missing' || missing === 'ignore')) {
    if (missing === 'missing') setState(a, end, 'INSUFFICIENT_DATA', `Insufficient Data: ${n} datapoint${n === 1 ? ' was' : 's were'} unknown.`, data);
    return;
  }
  if (breaching >= m) {
    setState(a, end, 'ALARM', `Threshold Crossed: ${breaching} out of the last ${n} datapoints [${shown}] ${breaching === 1 ? 'was' : 'were'} ${cmp.word} the threshold (${threshold}) (minimum ${m} datapoint${m === 1 ? '' : 's'} for OK -> ALARM transition).`, data);
  } else if (missing !== 'ignore' || points.length > 0) {
    const good = n - breaching;
    setState(a, end, 'OK', `Threshold Crossed: ${good} out of the last ${n} datapoints [${shown}] ${good === 1 ? 'was' : 'were'} not ${cmp.word} the threshold (${threshold}) (minimum ${n - m + 1} datapoint${n - m + 1 === 1 ? '' : 's'} for ALARM -> OK transition).`, data);
  }
}

function alarmOut(a: AlarmRec): Record<string, unknown> {
  const { Statistic, ...rest } = a.config;
  return {
    ...rest,
    ...(Statistic !== undefined ? { Statistic } : {}),
    AlarmArn: a.arn,
    AlarmConfigurationUpdatedTimestamp: new Date(a.configUpdatedAt),
    StateValue: a.state,
    StateReason: a.stateReason,
    ...(a.stateReasonData ? { StateReasonData: a.stateReasonData } : {}),
    StateUpdatedTimestamp: new Date(a.stateUpdatedAt),
    StateTransitionedTimestamp: new Date(a.stateUpdatedAt),
  };
}

function pageOf<T>(list: T[], input: Input, op: string): { page: T[]; next?: string } {
  const max = optNum(input, 'MaxRecords') ?? 50;
  if (!Number.isInteger(max) || max < 1 || max > 100) invalid('The parameter MaxRecords must be between 1 and 100.');
  const given = optStr(input, 'NextToken');
  let start = 0;
  if (given !== undefined) {
    const at = tokenOffset(given, op);
    if (at === undefined) fail('InvalidNextToken', 'The service returned an invalid token.');
    start = at;
  }
  const page = list.slice(start, start + max);
  return { page, ...(start + max < list.length ? { next: pageToken(op, start + max) } : {}) };
}

export const alarmHandlers: Record<string, Handler> = {
  PutMetricAlarm(rt, input, region) {
    const config = checkConfig(input);
    const name = String(config['AlarmName']);
    const key = rkey(region, name);
    const now = rt.now();
    const existing = alarms(rt)[key];
    if (existing) {
      // An update overwrites the configuration and keeps the state (and the tags: Tags apply at creation only).
      existing.config = config;
      existing.configUpdatedAt = now;
      existing.history.push({ timestamp: now, type: 'ConfigurationUpdate', summary: `Alarm "${name}" updated`, data: JSON.stringify({ version: '1.0', type: 'Update', updatedAlarm: config }) });
      return {};
    }
    alarms(rt)[key] = {
      name,
      region,
      arn: alarmArn(rt, region, name),
      config,
      state: 'INSUFFICIENT_DATA',
      stateReason: 'Unchecked: Initial alarm creation',
      stateUpdatedAt: now,
      configUpdatedAt: now,
      tags: tagList(input),
      history: [{ timestamp: now, type: 'ConfigurationUpdate', summary: `Alarm "${name}" created`, data: JSON.stringify({ version: '1.0', type: 'Create', createdAlarm: config }) }],
    };
    return {};
  },

  async DescribeAlarms(rt, input, region) {
    const names = strList(input, 'AlarmNames');
    const prefix = optStr(input, 'AlarmNamePrefix');
    if (names.length > 0 && prefix !== undefined) invalid('AlarmNames and AlarmNamePrefix cannot be specified together.');
    const stateValue = optStr(input, 'StateValue');
    const selected = Object.values(alarms(rt))
      .filter((a) => a.region === region && (names.length === 0 || names.includes(a.name)) && (prefix === undefined || a.name.startsWith(prefix)))
      .sort((x, y) => (x.name < y.name ? -1 : 1));
    for (const a of selected) await evaluateAlarm(rt, a);
    const { page, next } = pageOf(selected.filter((a) => stateValue === undefined || a.state === stateValue), input, 'DescribeAlarms');
    return { MetricAlarms: page.map(alarmOut), CompositeAlarms: [], ...(next ? { NextToken: next } : {}) };
  },

  async DescribeAlarmHistory(rt, input, region) {
    const name = optStr(input, 'AlarmName');
    const type = optStr(input, 'HistoryItemType');
    const from = input['StartDate'] === undefined ? -Infinity : toMillis(input['StartDate'], 'StartDate');
    const to = input['EndDate'] === undefined ? Infinity : toMillis(input['EndDate'], 'EndDate');
    const ascending = optStr(input, 'ScanBy') === 'TimestampAscending';
    const selected = Object.values(alarms(rt)).filter((a) => a.region === region && (name === undefined || a.name === name));
    for (const a of selected) await evaluateAlarm(rt, a);
    const items = selected
      .flatMap((a) => a.history.map((h) => ({ AlarmName: a.name, AlarmType: 'MetricAlarm', Timestamp: new Date(h.timestamp), HistoryItemType: h.type, HistorySummary: h.summary, HistoryData: h.data })))
      .filter((h) => (type === undefined || h.HistoryItemType === type) && h.Timestamp.getTime() >= from && h.Timestamp.getTime() <= to)
      .sort((x, y) => (ascending ? 1 : -1) * (x.Timestamp.getTime() - y.Timestamp.getTime()));
    const { page, next } = pageOf(items, input, 'DescribeAlarmHistory');
    return { AlarmHistoryItems: page, ...(next ? { NextToken: next } : {}) };
  },

  DeleteAlarms(rt, input, region) {
    const names = strList(input, 'AlarmNames');
    // One unknown name and none is deleted.
    const missing = names.filter((n) => !alarms(rt)[rkey(region, n)]);
    if (missing.length > 0) fail('ResourceNotFound', `${missing.join(', ')} not found`);
    for (const n of names) {
      const a = alarms(rt)[rkey(region, n)];
      if (!a) continue; // named twice
      delete alarms(rt)[rkey(region, n)];
      // The tagging API keeps listing it for a while, as it does every deleted resource.
      if (a.tags.length > 0) rt.tombstone(a.arn, region, 'cloudwatch:alarm', a.tags);
    }
    return {};
  },

  ListTagsForResource(rt, input, region) {
    const arn = reqStr(input, 'ResourceARN');
    const a = Object.values(alarms(rt)).find((x) => x.region === region && x.arn === arn);
    if (!a) fail('ResourceNotFoundException', `${arn} not found`);
    return { Tags: a.tags.map((t) => ({ ...t })) };
  },
};
