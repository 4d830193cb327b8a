/**
 * Performance Insights, keyed by an instance's DbiResourceId: db.load.avg over time, grouped by
 * db.sql_tokenized or by db.wait_event / db.wait_event_type. The dry run synthesizes a few engine-typical
 * statements and waits (as PI names them per engine); a `pi` provider (the local target, from
 * pg_stat_statements or performance_schema) supplies real data instead.
 */
import { createHash } from 'node:crypto';
import { fail } from './errors.js';
import { optStr, reqStr } from './input.js';
import type { Handler, Input, PiDimensionKey, PiQuery, Runtime } from './runtime.js';
import type { InstanceRec } from './state.js';
import { periods, toMillis } from './time.js';

const STATEMENTS: Record<string, string[]> = {
  postgres: [
    'UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2',
    'SELECT abalance FROM pgbench_accounts WHERE aid = $1',
    'INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP)',
  ],
  mysql: [
    'UPDATE `sbtest1` SET `k` = `k` + ? WHERE `id` = ?',
    'SELECT `c` FROM `sbtest1` WHERE `id` = ?',
    'INSERT INTO `sbtest1` ( `id` , `k` , `c` , `pad` ) VALUES (...)',
  ],
};

/** Waits as PI names them per engine: [type, name], the share of the load each gets. */
const WAITS: Record<string, [string, string][]> = {
  postgres: [['CPU', 'CPU'], ['IO', 'IO:DataFileRead'], ['LWLock', 'LWLock:BufferMapping']],
  mysql: [['CPU', 'CPU'], ['io', 'wait/io/table/sql/handler'], ['synch', 'wait/synch/mutex/innodb/buf_pool_mutex']],
};

function findInstance(rt: Runtime, region: string, resourceId: string): InstanceRec {
  const i = Object.values(rt.state.instances).find((x) => x.region === region && x.resourceId === resourceId);
  if (!i) fail('InvalidArgumentException', `No resource with identifier ${resourceId} was found in ${region}.`);
  const cluster = i.clusterId ? rt.state.clusters[`${region}/${i.clusterId}`] : undefined;
  if (!i.performanceInsights && !cluster?.performanceInsights) {
    fail('InvalidArgumentException', `Performance Insights is not enabled for ${i.id}.`);
  }
  return i;
}

type Load = { timestamps: Date[]; values: number[]; keys: PiDimensionKey[] };

function synthesize(i: InstanceRec, q: PiQuery, now: number): Load {
  const ts = periods(Math.max(q.start.getTime(), i.createdAt), Math.min(q.end.getTime(), now + 1), q.periodSeconds);
  const weights = [0.55, 0.3, 0.15];
  const values = ts.map((t) => Math.round((0.4 + 0.3 * ((Math.sin(t / 300_000) + 1) / 2)) * 100) / 100);
  const family = i.engine.includes('mysql') ? 'mysql' : 'postgres';
  const dimensions = synthesizedDimensions(family, q.groupBy, i.resourceId);
  const keys = dimensions.map((d, n) => ({
    dimensions: d,
    total: values.length === 0 ? 0 : Math.round((values.reduce((a, b) => a + b, 0) / values.length) * weights[n]! * 100) / 100,
    values: values.map((v) => Math.round(v * weights[n]! * 100) / 100),
  }));
  return { timestamps: ts.map((t) => new Date(t)), values, keys };
}

/** The dimensions of the synthesized keys (three, largest first) for a GroupBy group; none for the others. */
function synthesizedDimensions(family: 'mysql' | 'postgres', groupBy: string | undefined, resourceId: string): Record<string, string>[] {
  if (groupBy === 'db.wait_event') return WAITS[family]!.map(([type, name]) => ({ 'db.wait_event.type': type, 'db.wait_event.name': name }));
  if (groupBy === 'db.wait_event_type') return WAITS[family]!.map(([type]) => ({ 'db.wait_event_type.name': type }));
  return STATEMENTS[family]!.map((statement) => ({
    'db.sql_tokenized.id': createHash('sha1').update(statement).digest('hex').slice(0, 40).toUpperCase(),
    'db.sql_tokenized.statement': statement,
    'db.sql_tokenized.db_id': `pi-${createHash('sha1').update(resourceId).digest('hex').slice(0, 10)}`,
  }));
}

async function load(rt: Runtime, i: InstanceRec, q: PiQuery): Promise<Load> {
  return (await rt.pi?.load(q)) ?? synthesize(i, q, rt.now());
}

/** The periods AWS accepts; without one, PI picks one that gives at most about 200 data points. */
const PERIODS = [1, 60, 300, 3600, 86400];
const GROUPS = ['db', 'db.application', 'db.host', 'db.session_type', 'db.sql', 'db.sql_tokenized', 'db.user', 'db.wait_event', 'db.wait_event_type', 'db.wait_state'];

function periodFor(input: Input, windowMs: number): number {
  const raw = input['PeriodInSeconds'];
  if (raw === undefined || raw === null) return PERIODS.find((p) => windowMs / (p * 1000) <= 200) ?? 86400;
  const p = Number(raw);
  if (!PERIODS.includes(p)) fail('InvalidArgumentException', `PeriodInSeconds must be one of ${PERIODS.join(', ')}.`);
  return p;
}

function limitOf(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined || value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > 25) fail('InvalidArgumentException', `${name} must be between ${min} and 25.`);
  return n;
}

function query(rt: Runtime, input: Input, region: string, metric: string, groupBy: Input | undefined): { i: InstanceRec; q: PiQuery; alignedEnd: Date } {
  const resourceId = reqStr(input, 'Identifier');
  const serviceType = optStr(input, 'ServiceType') ?? 'RDS';
  if (serviceType !== 'RDS') fail('InvalidArgumentException', `ServiceType ${serviceType} is not supported.`);
  const i = findInstance(rt, region, resourceId);
  const start = toMillis(input['StartTime'], 'StartTime');
  const end = toMillis(input['EndTime'], 'EndTime');
  if (end <= start) fail('InvalidArgumentException', 'EndTime must be after StartTime.');
  if (groupBy && !GROUPS.includes(String(groupBy['Group']))) fail('InvalidArgumentException', `Unknown dimension group ${String(groupBy['Group'])}.`);
  const periodSeconds = periodFor(input, end - start);
  const step = periodSeconds * 1000;
  return {
    i,
    q: {
      region,
      resourceId,
      instanceId: i.id,
      metric,
      ...(groupBy ? { groupBy: String(groupBy['Group']) } : {}),
      start: new Date(Math.floor(start / step) * step),
      end: new Date(end),
      periodSeconds,
      limit: limitOf(groupBy?.['Limit'], 'Limit', 10, 1),
    },
    // AWS widens the window to whole periods at both ends.
    alignedEnd: new Date(Math.ceil(end / step) * step),
  };
}

/** Keys largest first, at most `limit`, with only the dimensions GroupBy.Dimensions asks for (all without it). */
function topKeys(keys: PiDimensionKey[], limit: number, groupBy: Input | undefined): PiDimensionKey[] {
  const wanted = Array.isArray(groupBy?.['Dimensions']) ? (groupBy!['Dimensions'] as unknown[]).map(String) : undefined;
  return keys
    .slice()
    .sort((a, b) => b.total - a.total)
    .slice(0, limit)
    .map((k) => (wanted ? { ...k, dimensions: Object.fromEntries(Object.entries(k.dimensions).filter(([d]) => wanted.includes(d))) } : k));
}

export const piHandlers: Record<string, Handler> = {
  async GetResourceMetrics(rt, input, region) {
    const queries = Array.isArray(input['MetricQueries']) ? (input['MetricQueries'] as Input[]) : [];
    let aligned: { q: PiQuery; alignedEnd: Date } | undefined;
    const metricList = [];
    for (const mq of queries) {
      const metric = String(mq['Metric']);
      const groupBy = mq['GroupBy'] as Input | undefined;
      const { i, q, alignedEnd } = query(rt, input, region, metric, groupBy);
      aligned = { q, alignedEnd };
      const data = await load(rt, i, q);
      metricList.push({ Key: { Metric: metric }, DataPoints: data.timestamps.map((t, n) => ({ Timestamp: t, Value: data.values[n] })) });
      if (groupBy) {
        for (const k of topKeys(data.keys, q.limit, groupBy)) {
          metricList.push({
            Key: { Metric: metric, Dimensions: k.dimensions },
            DataPoints: data.timestamps.map((t, n) => ({ Timestamp: t, Value: k.values?.[n] ?? 0 })),
          });
        }
      }
    }
    if (!aligned) fail('InvalidArgumentException', 'MetricQueries must not be empty.');
    return { AlignedStartTime: aligned.q.start, AlignedEndTime: aligned.alignedEnd, Identifier: aligned.q.resourceId, MetricList: metricList };
  },

  async DescribeDimensionKeys(rt, input, region) {
    const groupBy = input['GroupBy'] as Input | undefined;
    if (!groupBy) fail('InvalidArgumentException', 'GroupBy is required.');
    const { i, q, alignedEnd } = query(rt, input, region, reqStr(input, 'Metric'), groupBy);
    const maxResults = limitOf(input['MaxResults'], 'MaxResults', 25, 0);
    const data = await load(rt, i, q);
    return {
      AlignedStartTime: q.start,
      AlignedEndTime: alignedEnd,
      Keys: topKeys(data.keys, Math.min(q.limit, maxResults), groupBy).map((k) => ({ Dimensions: k.dimensions, Total: k.total })),
    };
  },
};
