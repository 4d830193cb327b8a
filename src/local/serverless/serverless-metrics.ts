/**
 * CloudWatch's ServerlessDatabaseCapacity and ACUUtilization (AWS/RDS) for the local target, from the
 * capacity samples of the local Serverless v2 instances: each period with samples becomes one
 * datapoint with every statistic over them, as CloudWatch aggregates what was published.
 */
import type { MetricQuery, MetricSeries, MetricsProvider, MetricStatistic } from '../../sim/model/runtime.js';
import type { CapacityPoint } from './serverless-capacity.js';

export const SERVERLESS_METRICS = ['ServerlessDatabaseCapacity', 'ACUUtilization'] as const;

/** The samples of one instance, as the metrics need them. */
export interface CapacityHistory {
  instanceId: string;
  clusterId?: string;
  region: string;
  maxCapacity: number;
  points: readonly CapacityPoint[];
}

export function statisticsOf(values: number[]): Record<MetricStatistic, number> {
  const sum = values.reduce((a, b) => a + b, 0);
  return {
    Maximum: Math.max(...values),
    Minimum: Math.min(...values),
    Average: Math.round((sum / values.length) * 1000) / 1000,
    Sum: sum,
    SampleCount: values.length,
  };
}

/** Every point of the instances the query's dimensions name (an instance, or every instance of a cluster). */
function selected(histories: CapacityHistory[], q: MetricQuery): { at: number; value: number }[] {
  const clusterId = q.dimensions['DBClusterIdentifier']?.toLowerCase();
  const instanceId = q.dimensions['DBInstanceIdentifier']?.toLowerCase();
  if (!clusterId && !instanceId) return [];
  const out: { at: number; value: number }[] = [];
  for (const h of histories) {
    if (h.region !== q.region) continue;
    if (instanceId ? h.instanceId.toLowerCase() !== instanceId : h.clusterId?.toLowerCase() !== clusterId) continue;
    for (const p of h.points) {
      // ACUUtilization is the capacity as a share of MaxCapacity.
      const value = q.metricName === 'ACUUtilization' ? (p.acu / h.maxCapacity) * 100 : p.acu;
      out.push({ at: p.at, value });
    }
  }
  return out;
}

export function capacitySeries(histories: CapacityHistory[], q: MetricQuery): MetricSeries {
  const step = Math.max(1, q.periodSeconds) * 1000;
  const buckets = new Map<number, number[]>();
  for (const { at, value } of selected(histories, q)) {
    if (at < q.start.getTime() || at >= q.end.getTime()) continue;
    const period = Math.floor(at / step) * step;
    const bucket = buckets.get(period);
    if (bucket) bucket.push(value);
    else buckets.set(period, [value]);
  }
  const starts = [...buckets.keys()].sort((a, b) => a - b);
  const statistics = starts.map((t) => statisticsOf(buckets.get(t)!));
  const wanted = (['Maximum', 'Minimum', 'Average', 'Sum', 'SampleCount'] as const).find((s) => s === q.stat) ?? 'Average';
  return { timestamps: starts.map((t) => new Date(t)), values: statistics.map((s) => s[wanted]), statistics };
}

/**
 * The provider for SimCloud: real figures for the Serverless v2 metrics (an empty series when nothing
 * was measured, never the dry run's synthesized wave); other metrics are not the local target's.
 */
export function serverlessMetricsProvider(histories: () => CapacityHistory[]): MetricsProvider {
  return (q) => {
    if (q.namespace !== 'AWS/RDS' || !(SERVERLESS_METRICS as readonly string[]).includes(q.metricName)) return undefined;
    return capacitySeries(histories(), q);
  };
}
