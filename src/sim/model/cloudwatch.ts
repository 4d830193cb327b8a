/**
 * CloudWatch metrics for Aurora Serverless v2 (ServerlessDatabaseCapacity, ACUUtilization). The dry run
 * synthesizes a plausible series inside the cluster's scaling range; a `metrics` provider (the local
 * target) supplies real values instead. Metric alarms (cloudwatch-alarms.ts) are evaluated over the same series.
 */
import type { Handler, Input, MetricQuery, MetricSeries, MetricStatistic, Runtime } from './runtime.js';
import { optStr, reqStr } from './input.js';
import { invalidValue } from './errors.js';
import { periods, toMillis } from './time.js';
import { rkey, type ClusterRec } from './state.js';
import { alarmHandlers } from './cloudwatch-alarms.js';

export function dimensions(list: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(list)) for (const d of list as Input[]) out[String(d['Name'])] = String(d['Value']);
  return out;
}

function clusterFor(rt: Runtime, region: string, dims: Record<string, string>): ClusterRec | undefined {
  if (dims['DBClusterIdentifier']) return rt.state.clusters[rkey(region, dims['DBClusterIdentifier'].toLowerCase())];
  const instanceId = dims['DBInstanceIdentifier']?.toLowerCase();
  const i = instanceId ? rt.state.instances[rkey(region, instanceId)] : undefined;
  return i?.clusterId ? rt.state.clusters[rkey(region, i.clusterId)] : undefined;
}

/** A slow wave between MinCapacity and MaxCapacity, in 0.5 ACU steps, only while the cluster exists. */
function synthesize(rt: Runtime, q: MetricQuery): MetricSeries {
  const empty = { timestamps: [], values: [] };
  if (q.namespace !== 'AWS/RDS' || !['ServerlessDatabaseCapacity', 'ACUUtilization'].includes(q.metricName)) return empty;
  const c = clusterFor(rt, q.region, q.dimensions);
  if (!c?.serverlessV2) return empty;
  const min = c.serverlessV2.MinCapacity ?? 0.5;
  const max = c.serverlessV2.MaxCapacity ?? 1;
  const ts = periods(Math.max(q.start.getTime(), c.createdAt), Math.min(q.end.getTime(), rt.now() + 1), q.periodSeconds);
  const values = ts.map((t) => {
    const phase = (Math.sin(t / 600_000) + 1) / 2;
    const acu = Math.max(min, Math.round((min + (max - min) * 0.3 * phase) * 2) / 2);
    return q.metricName === 'ACUUtilization' ? Math.round((acu / max) * 1000) / 10 : acu;
  });
  return { timestamps: ts.map((t) => new Date(t)), values };
}

export async function series(rt: Runtime, q: MetricQuery): Promise<MetricSeries> {
  return (await rt.metrics?.(q)) ?? synthesize(rt, q);
}

const SCAN_BY = ['TimestampDescending', 'TimestampAscending'];

/** GetMetricData's Period: 1, 5, 10, 30 (high-resolution metrics) or a multiple of 60 seconds. */
function checkPeriod(id: unknown, period: number): void {
  if (!Number.isInteger(period) || !(period === 1 || period === 5 || period === 10 || period === 30 || (period > 0 && period % 60 === 0))) {
    invalidValue(`The value ${period} for parameter MetricDataQueries.member.${String(id)}.MetricStat.Period is not valid: it must be 1, 5, 10, 30 or a multiple of 60.`);
  }
}

/** The series in the order GetMetricData returns it: newest first by default (ScanBy TimestampDescending). */
function ordered(s: MetricSeries, ascending: boolean): MetricSeries {
  const sign = ascending ? 1 : -1;
  const idx = s.timestamps.map((_, i) => i).sort((a, b) => sign * (s.timestamps[a]!.getTime() - s.timestamps[b]!.getTime()));
  return {
    timestamps: idx.map((i) => s.timestamps[i]!),
    values: idx.map((i) => s.values[i]!),
    ...(s.statistics ? { statistics: idx.map((i) => s.statistics![i] ?? {}) } : {}),
  };
}

/** One statistic of point i: the provider's own figure when it has one, else the series' single value. */
function statistic(s: MetricSeries, i: number, name: string): number {
  const own = s.statistics?.[i]?.[name as MetricStatistic];
  if (own !== undefined) return own;
  return name === 'SampleCount' ? 1 : s.values[i]!;
}

export const cloudwatchHandlers: Record<string, Handler> = {
  ...alarmHandlers,
  async GetMetricData(rt, input, region) {
    const start = new Date(toMillis(input['StartTime'], 'StartTime'));
    const end = new Date(toMillis(input['EndTime'], 'EndTime'));
    const queries = Array.isArray(input['MetricDataQueries']) ? (input['MetricDataQueries'] as Input[]) : [];
    if (queries.length === 0 || queries.length > 500) invalidValue('MetricDataQueries must hold between 1 and 500 queries.');
    const scanBy = optStr(input, 'ScanBy') ?? 'TimestampDescending';
    if (!SCAN_BY.includes(scanBy)) invalidValue(`Invalid ScanBy: ${scanBy}. Valid values: ${SCAN_BY.join(', ')}.`);
    const results = [];
    for (const q of queries) {
      const stat = q['MetricStat'] as Input | undefined;
      if (!stat) invalidValue(`Query ${String(q['Id'])}: only MetricStat queries are supported by the simulated CloudWatch.`);
      const metric = stat['Metric'] as Input;
      const periodSeconds = Number(stat['Period'] ?? 60);
      checkPeriod(q['Id'], periodSeconds);
      const s = ordered(
        await series(rt, {
          region,
          namespace: String(metric['Namespace']),
          metricName: String(metric['MetricName']),
          dimensions: dimensions(metric['Dimensions']),
          start,
          end,
          periodSeconds,
          stat: String(stat['Stat'] ?? 'Average'),
        }),
        scanBy === 'TimestampAscending',
      );
      if (q['ReturnData'] === false) continue;
      results.push({ Id: q['Id'], Label: (q['Label'] as string | undefined) ?? String(metric['MetricName']), Timestamps: s.timestamps, Values: s.values, StatusCode: 'Complete' });
    }
    return { MetricDataResults: results, Messages: [] };
  },

  async GetMetricStatistics(rt, input, region) {
    const metricName = reqStr(input, 'MetricName');
    const stats = Array.isArray(input['Statistics']) ? (input['Statistics'] as string[]) : ['Average'];
    const s = await series(rt, {
      region,
      namespace: reqStr(input, 'Namespace'),
      metricName,
      dimensions: dimensions(input['Dimensions']),
      start: new Date(toMillis(input['StartTime'], 'StartTime')),
      end: new Date(toMillis(input['EndTime'], 'EndTime')),
      periodSeconds: Number(input['Period'] ?? 60),
      stat: stats[0] ?? 'Average',
    });
    const unit = optStr(input, 'Unit') ?? (metricName === 'ACUUtilization' ? 'Percent' : 'Count');
    return {
      Label: metricName,
      Datapoints: s.timestamps.map((t, i) => {
        const point: Record<string, unknown> = { Timestamp: t, Unit: unit };
        for (const st of stats) point[st] = statistic(s, i, st);
        return point;
      }),
    };
  },
};
