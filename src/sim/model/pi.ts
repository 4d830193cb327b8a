/**
 * Performance Insights, keyed by an instance's DbiResourceId: db.load.avg over time, grouped by
 * db.sql_tokenized. The dry run synthesizes a few engine-typical statements; a `pi` provider (the local
 * target, from pg_stat_statements) supplies real data instead.
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
  const statements = STATEMENTS[i.engine.includes('mysql') ? 'mysql' : 'postgres']!;
  const keys = statements.map((statement, n) => ({
    dimensions: {
      'db.sql_tokenized.id': createHash('sha1').update(statement).digest('hex').slice(0, 40).toUpperCase(),
      'db.sql_tokenized.statement': statement,
      'db.sql_tokenized.db_id': `pi-${createHash('sha1').update(i.resourceId).digest('hex').slice(0, 10)}`,
    },
    total: values.length === 0 ? 0 : Math.round((values.reduce((a, b) => a + b, 0) / values.length) * weights[n]! * 100) / 100,
    values: values.map((v) => Math.round(v * weights[n]! * 100) / 100),
  }));
  return { timestamps: ts.map((t) => new Date(t)), values, keys };
}

async function load(rt: Runtime, i: InstanceRec, q: PiQuery): Promise<Load> {
  return (await rt.pi?.load(q)) ?? synthesize(i, q, rt.now());
}

function query(rt: Runtime, input: Input, region: string, metric: string, groupBy: Input | undefined): { i: InstanceRec; q: PiQuery } {
  const resourceId = reqStr(input, 'Identifier');
  const serviceType = optStr(input, 'ServiceType') ?? 'RDS';
  if (serviceType !== 'RDS') fail('InvalidArgumentException', `ServiceType ${serviceType} is not supported.`);
  const i = findInstance(rt, region, resourceId);
  const start = toMillis(input['StartTime'], 'StartTime');
  const end = toMillis(input['EndTime'], 'EndTime');
  if (end <= start) fail('InvalidArgumentException', 'EndTime must be after StartTime.');
  const periodSeconds = Number(input['PeriodInSeconds'] ?? 60);
  return {
    i,
    q: {
      region,
      resourceId,
      instanceId: i.id,
      metric,
      ...(groupBy ? { groupBy: String(groupBy['Group']) } : {}),
      start: new Date(Math.floor(start / (periodSeconds * 1000)) * periodSeconds * 1000),
      end: new Date(end),
      periodSeconds,
      limit: Number(groupBy?.['Limit'] ?? 10),
    },
  };
}

export const piHandlers: Record<string, Handler> = {
  async GetResourceMetrics(rt, input, region) {
    const queries = Array.isArray(input['MetricQueries']) ? (input['MetricQueries'] as Input[]) : [];
    let aligned: PiQuery | undefined;
    const metricList = [];
    for (const mq of queries) {
      const metric = String(mq['Metric']);
      const groupBy = mq['GroupBy'] as Input | undefined;
      const { i, q } = query(rt, input, region, metric, groupBy);
      aligned = q;
      const data = await load(rt, i, q);
      metricList.push({ Key: { Metric: metric }, DataPoints: data.timestamps.map((t, n) => ({ Timestamp: t, Value: data.values[n] })) });
      if (groupBy) {
        for (const k of data.keys.slice(0, q.limit)) {
          metricList.push({
            Key: { Metric: metric, Dimensions: k.dimensions },
            DataPoints: data.timestamps.map((t, n) => ({ Timestamp: t, Value: k.values?.[n] ?? 0 })),
          });
        }
      }
    }
    if (!aligned) fail('InvalidArgumentException', 'MetricQueries must not be empty.');
    return { AlignedStartTime: aligned.start, AlignedEndTime: aligned.end, Identifier: aligned.resourceId, MetricList: metricList };
  },

  async DescribeDimensionKeys(rt, input, region) {
    const groupBy = input['GroupBy'] as Input | undefined;
    if (!groupBy) fail('InvalidArgumentException', 'GroupBy is required.');
    const { i, q } = query(rt, input, region, reqStr(input, 'Metric'), groupBy);
    const data = await load(rt, i, q);
    return {
      AlignedStartTime: q.start,
      AlignedEndTime: q.end,
      Keys: data.keys
        .slice()
        .sort((a, b) => b.total - a.total)
        .slice(0, q.limit)
        .map((k) => ({ Dimensions: k.dimensions, Total: k.total })),
    };
  },
};
