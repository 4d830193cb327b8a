/**
 * CloudWatch Logs: log groups, streams and events, with AWS's paging (nextToken, GetLogEvents'
 * forward/backward tokens) and its refusals. RDS writes into it as AWS does: a cluster exporting a log
 * type (EnableCloudwatchLogsExports) gets /aws/rds/cluster/<id>/<type> once it has an instance, one
 * stream per instance; an instance with Enhanced Monitoring (and a role that may publish) writes one
 * JSON document per interval to RDSOSMetrics, in a stream named by its DbiResourceId. The dry run
 * synthesizes those lines; a `logs` provider (the local target) supplies the real server's instead.
 */
import { createHash } from 'node:crypto';
import { fail } from './errors.js';
import { optBool, optNum, optStr, reqStr, strList } from './input.js';
import { osMetricsEvents } from './logs-rds.js';
import type { Handler, Input, Runtime } from './runtime.js';
import { rkey, type InstanceRec, type LogEventRec, type LogGroupRec, type SimState } from './state.js';
import { pageToken, tokenOffset } from './paging.js';

/** CloudWatch Logs times are epoch milliseconds (Long), not timestamps: a Date is refused, as the wire refuses it. */
function millis(input: Input, name: string, fallback: number): number {
  const v = input[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) invalid(`1 validation error detected: parameter "${name}" must be a number of milliseconds since the epoch.`);
  return v;
}

/** The shared group Enhanced Monitoring publishes to. */
export const OS_METRICS_GROUP = 'RDSOSMetrics';

export function clusterLogGroupName(clusterId: string, logType: string): string {
  return `/aws/rds/cluster/${clusterId}/${logType}`;
}

function invalid(message: string): never {
  fail('InvalidParameterException', message);
}

function groups(rt: Runtime): Record<string, LogGroupRec> {
  return (rt.state.logGroups ??= {});
}

const GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;

export function logGroupArn(rt: Runtime, region: string, name: string): string {
  return `arn:aws:logs:${region}:${rt.accountId}:log-group:${name}`;
}

export function ensureLogGroup(rt: Runtime, region: string, name: string, at = rt.now()): LogGroupRec {
  const key = rkey(region, name);
  let g = groups(rt)[key];
  if (!g) {
    g = { name, region, arn: logGroupArn(rt, region, name), createdAt: at, tags: {}, streams: {} };
    groups(rt)[key] = g;
  }
  return g;
}

function eventId(stream: string, e: { timestamp: number; message: string }, n: number): string {
  return BigInt(`0x${createHash('sha256').update(`${stream}\u0000${e.timestamp}\u0000${e.message}\u0000${n}`).digest('hex').slice(0, 15)}`).toString().padStart(20, '0');
}

/** Append events to a stream (made if new), in timestamp order, as RDS or a provider delivers them. */
export function appendLogEvents(rt: Runtime, g: LogGroupRec, stream: string, events: { timestamp: number; message: string }[]): void {
  const s = (g.streams[stream] ??= { createdAt: events[0]?.timestamp ?? rt.now(), events: [] });
  for (const e of events) {
    s.events.push({ timestamp: e.timestamp, message: e.message, ingestionTime: Math.max(e.timestamp, rt.now()), eventId: eventId(stream, e, s.events.length) });
  }
  s.events.sort((a, b) => a.timestamp - b.timestamp);
}

/** A log line the engine writes when an instance starts, in the engine's own format. */
function startupLine(engine: string, at: number): string {
  const t = new Date(at).toISOString();
  return engine === 'aurora-postgresql'
    ? `${t.replace('T', ' ').slice(0, 19)} UTC::@:[${400 + (at % 500)}]:LOG:  database system is ready to accept connections`
    : `${t.replace('Z', '000Z')} 0 [Note] [MY-010931] [Server] /rdsdbbin/oscar/bin/mysqld: ready for connections. Version: '8.0.39'  socket: '/tmp/mysql.sock'  port: 3306  Source distribution.`;
}

/**
 * What RDS has published by now in a region: each exporting cluster's groups once it has an instance
 * (a startup line per instance in the error/postgresql log), and Enhanced Monitoring's samples.
 */
export function publishRdsLogs(rt: Runtime, region: string): void {
  for (const c of Object.values(rt.state.clusters)) {
    if (c.region !== region || !c.logExports?.length) continue;
    const members = Object.values(rt.state.instances).filter((i) => i.region === region && i.clusterId === c.id && i.status !== 'creating');
    if (members.length === 0) continue;
    for (const type of c.logExports) {
      const g = ensureLogGroup(rt, region, clusterLogGroupName(c.id, type));
      for (const i of members) {
        if (g.streams[i.id]) continue;
        const started = i.createdAt + 1000;
        const mainLog = (c.engine === 'aurora-postgresql' && type === 'postgresql') || (c.engine === 'aurora-mysql' && type === 'error');
        if (rt.logs) g.streams[i.id] = { createdAt: started, events: [] };
        else appendLogEvents(rt, g, i.id, mainLog ? [{ timestamp: started, message: startupLine(c.engine, started) }] : []);
      }
    }
  }
  for (const i of Object.values(rt.state.instances)) {
    if (i.region !== region || !publishesOsMetrics(rt.state, i)) continue;
    const since = i.monitoringSince ?? i.createdAt;
    const g = ensureLogGroup(rt, region, OS_METRICS_GROUP, since);
    const stream = g.streams[i.resourceId];
    // The first sample comes as monitoring starts: after the stream's last one, or at `since`.
    const last = stream?.events.at(-1)?.timestamp ?? since - (i.monitoringInterval ?? 0) * 1000;
    if (rt.logs) {
      g.streams[i.resourceId] ??= { createdAt: last, events: [] };
      continue;
    }
    appendLogEvents(rt, g, i.resourceId, osMetricsEvents(i, last, rt.now()));
  }
}

export const ENHANCED_MONITORING_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole';

/**
 * Does RDS publish this instance's OS metrics now: MonitoringInterval > 0, the instance past creating,
 * and a role with the managed policy (without it the role cannot write to CloudWatch Logs). The local
 * target samples /proc for exactly these instances.
 */
export function publishesOsMetrics(state: Pick<SimState, 'roles'>, i: InstanceRec): boolean {
  if (!i.monitoringInterval || !i.monitoringRoleArn || i.status === 'creating') return false;
  const role = Object.values(state.roles ?? {}).find((r) => r.arn === i.monitoringRoleArn);
  return role?.attachedPolicies.includes(ENHANCED_MONITORING_POLICY) === true;
}

/** Events of a group: stored ones, or the provider's (the local target reads the real server's log). */
async function groupEvents(rt: Runtime, g: LogGroupRec): Promise<Record<string, LogEventRec[]>> {
  const instances: Record<string, { instanceId: string; engine: string; resourceId: string; monitoringInterval?: number }> = {};
  for (const i of Object.values(rt.state.instances)) {
    if (i.region !== g.region) continue;
    const stream = g.name === OS_METRICS_GROUP ? i.resourceId : i.id;
    if (g.streams[stream]) instances[stream] = { instanceId: i.id, engine: i.engine, resourceId: i.resourceId, ...(i.monitoringInterval ? { monitoringInterval: i.monitoringInterval } : {}) };
  }
  const provided = rt.logs ? await rt.logs({ region: g.region, logGroupName: g.name, streams: Object.keys(g.streams), instances }) : undefined;
  if (!provided) return Object.fromEntries(Object.entries(g.streams).map(([k, s]) => [k, s.events]));
  const out: Record<string, LogEventRec[]> = {};
  for (const [stream, events] of Object.entries(provided)) {
    out[stream] = events
      .map((e, n) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.timestamp, eventId: eventId(stream, e, n) }))
      .sort((a, b) => a.timestamp - b.timestamp);
  }
  return out;
}

function findGroup(rt: Runtime, input: Input, region: string): LogGroupRec {
  const id = optStr(input, 'logGroupIdentifier');
  const name = optStr(input, 'logGroupName');
  if (id !== undefined && name !== undefined) invalid('LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  const wanted = id?.startsWith('arn:') ? id.replace(/:\*$/, '').split(':log-group:')[1] : (id ?? name);
  if (!wanted) invalid('Either logGroupName or logGroupIdentifier must be specified.');
  const g = groups(rt)[rkey(region, wanted)];
  if (!g) fail('ResourceNotFoundException', 'The specified log group does not exist.');
  return g;
}

/** Opaque paging tokens, bound to the operation and group they were issued for. */
function token(op: string, scope: string, offset: number): string {
  return pageToken(`${op}|${scope}`, offset);
}

function readToken(value: string | undefined, op: string, scope: string): number {
  if (value === undefined) return 0;
  const at = tokenOffset(value, `${op}|${scope}`);
  if (at === undefined) invalid('The specified nextToken is invalid.');
  return at;
}

function limitOf(input: Input, max: number, fallback: number): number {
  const limit = optNum(input, 'limit') ?? fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) invalid(`1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`);
  return limit;
}

/**
 * Filter patterns: terms that must all appear (case-sensitive), "quoted phrases", ?term for "any of
 * these", and -term to exclude. JSON and space-delimited patterns are not modelled (refused).
 */
export function matchesPattern(pattern: string | undefined, message: string): boolean {
  if (pattern === undefined || pattern.trim() === '') return true;
  if (/^\s*[{[]/.test(pattern)) invalid('JSON and space-delimited filter patterns are not supported by the simulated CloudWatch Logs.');
  const terms = [...pattern.matchAll(/([?-]?)(?:"([^"]*)"|(\S+))/g)].map((m) => ({ op: m[1], text: m[2] ?? m[3]! }));
  const any = terms.filter((t) => t.op === '?');
  if (any.length > 0 && !any.some((t) => message.includes(t.text))) return false;
  return terms.every((t) => (t.op === '-' ? !message.includes(t.text) : t.op === '?' || message.includes(t.text)));
}

function groupOut(g: LogGroupRec): Record<string, unknown> {
  const storedBytes = Object.values(g.streams).reduce((n, s) => n + s.events.reduce((m, e) => m + Buffer.byteLength(e.message), 0), 0);
  return {
    logGroupName: g.name,
    creationTime: g.createdAt,
    ...(g.retentionInDays !== undefined ? { retentionInDays: g.retentionInDays } : {}),
    metricFilterCount: 0,
    arn: `${g.arn}:*`,
    logGroupArn: g.arn,
    storedBytes,
    logGroupClass: 'STANDARD',
  };
}

const RETENTION_DAYS = new Set([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);

export const logsHandlers: Record<string, Handler> = {
  CreateLogGroup(rt, input, region) {
    const name = reqStr(input, 'logGroupName');
    if (!GROUP_NAME.test(name)) invalid(`1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`);
    publishRdsLogs(rt, region);
    if (groups(rt)[rkey(region, name)]) fail('ResourceAlreadyExistsException', 'The specified log group already exists');
    const g = ensureLogGroup(rt, region, name);
    const tags = input['tags'];
    if (tags && typeof tags === 'object') g.tags = Object.fromEntries(Object.entries(tags as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
    return {};
  },

  PutRetentionPolicy(rt, input, region) {
    publishRdsLogs(rt, region);
    const g = findGroup(rt, input, region);
    const days = optNum(input, 'retentionInDays');
    if (days === undefined || !RETENTION_DAYS.has(days)) invalid(`1 validation error detected: Value '${String(days)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${[...RETENTION_DAYS].join(', ')}]`);
    g.retentionInDays = days;
    return {};
  },

  DescribeLogGroups(rt, input, region) {
    publishRdsLogs(rt, region);
    const prefix = optStr(input, 'logGroupNamePrefix');
    const pattern = optStr(input, 'logGroupNamePattern');
    if (prefix !== undefined && pattern !== undefined) invalid('LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.');
    const limit = limitOf(input, 50, 50);
    const list = Object.values(groups(rt))
      .filter((g) => g.region === region && (prefix === undefined || g.name.startsWith(prefix)) && (pattern === undefined || g.name.toLowerCase().includes(pattern.toLowerCase())))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const scope = `${prefix ?? ''}|${pattern ?? ''}`;
    const start = readToken(optStr(input, 'nextToken'), 'DescribeLogGroups', scope);
    const page = list.slice(start, start + limit);
    return { logGroups: page.map(groupOut), ...(start + limit < list.length ? { nextToken: token('DescribeLogGroups', scope, start + limit) } : {}) };
  },

  DescribeLogStreams(rt, input, region) {
    publishRdsLogs(rt, region);
    const g = findGroup(rt, input, region);
    const prefix = optStr(input, 'logStreamNamePrefix');
    const limit = limitOf(input, 50, 50);
    const names = Object.keys(g.streams).filter((n) => prefix === undefined || n.startsWith(prefix)).sort();
    const start = readToken(optStr(input, 'nextToken'), 'DescribeLogStreams', g.name);
    const page = names.slice(start, start + limit);
    return {
      logStreams: page.map((n) => {
        const s = g.streams[n]!;
        return {
          logStreamName: n,
          creationTime: s.createdAt,
          ...(s.events.length ? { firstEventTimestamp: s.events[0]!.timestamp, lastEventTimestamp: s.events.at(-1)!.timestamp, lastIngestionTime: s.events.at(-1)!.ingestionTime } : {}),
          arn: `${g.arn}:log-stream:${n}`,
        };
      }),
      ...(start + limit < names.length ? { nextToken: token('DescribeLogStreams', g.name, start + limit) } : {}),
    };
  },

  async FilterLogEvents(rt, input, region) {
    publishRdsLogs(rt, region);
    const g = findGroup(rt, input, region);
    const names = strList(input, 'logStreamNames');
    const prefix = optStr(input, 'logStreamNamePrefix');
    if (names.length > 0 && prefix !== undefined) invalid('logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
    const from = millis(input, 'startTime', -Infinity);
    const to = millis(input, 'endTime', Infinity);
    const pattern = optStr(input, 'filterPattern');
    const limit = limitOf(input, 10_000, 10_000);
    const streams = await groupEvents(rt, g);
    const matches = Object.entries(streams)
      .filter(([n]) => (names.length === 0 || names.includes(n)) && (prefix === undefined || n.startsWith(prefix)))
      .flatMap(([n, events]) => events.filter((e) => e.timestamp >= from && e.timestamp <= to && matchesPattern(pattern, e.message)).map((e) => ({ logStreamName: n, ...e })))
      .sort((a, b) => a.timestamp - b.timestamp || (a.eventId < b.eventId ? -1 : 1));
    const scope = `${g.name}|${pattern ?? ''}|${names.join(',')}|${prefix ?? ''}`;
    const start = readToken(optStr(input, 'nextToken'), 'FilterLogEvents', scope);
    const page = matches.slice(start, start + limit);
    return {
      events: page,
      searchedLogStreams: [],
      ...(start + limit < matches.length ? { nextToken: token('FilterLogEvents', scope, start + limit) } : {}),
    };
  },

  async GetLogEvents(rt, input, region) {
    publishRdsLogs(rt, region);
    const g = findGroup(rt, input, region);
    const streamName = reqStr(input, 'logStreamName');
    const all = (await groupEvents(rt, g))[streamName];
    if (!all) fail('ResourceNotFoundException', 'The specified log stream does not exist.');
    const from = millis(input, 'startTime', -Infinity);
    const to = millis(input, 'endTime', Infinity);
    const events = all.filter((e) => e.timestamp >= from && e.timestamp < to);
    const limit = limitOf(input, 10_000, 10_000);
    const scope = `${g.name}|${streamName}`;
    const given = optStr(input, 'nextToken');
    let start: number;
    let end: number;
    if (given?.startsWith('f/') || given?.startsWith('b/')) {
      const at = readToken(given.slice(2), 'GetLogEvents', scope);
      [start, end] = given.startsWith('f/') ? [at, at + limit] : [Math.max(0, at - limit), at];
    } else if (given !== undefined) {
      invalid('The specified nextToken is invalid.');
    } else if (optBool(input, 'startFromHead') === true) {
      [start, end] = [0, limit];
    } else {
      [start, end] = [Math.max(0, events.length - limit), events.length];
    }
    end = Math.min(end, events.length);
    start = Math.min(start, end);
    return {
      events: events.slice(start, end).map((e) => ({ timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime })),
      // At the end the forward token is the one given: a client stops when it comes back unchanged.
      nextForwardToken: `f/${token('GetLogEvents', scope, end)}`,
      nextBackwardToken: `b/${token('GetLogEvents', scope, start)}`,
    };
  },

  DeleteLogGroup(rt, input, region) {
    publishRdsLogs(rt, region);
    const g = findGroup(rt, input, region);
    delete groups(rt)[rkey(region, g.name)];
    const tags = Object.entries(g.tags).map(([Key, Value]) => ({ Key, Value }));
    // The tagging API keeps listing it for a while, as it does every deleted resource.
    if (tags.length > 0) rt.tombstone(g.arn, region, 'logs:log-group', tags);
    return {};
  },

  ListTagsForResource(rt, input, region) {
    const arn = reqStr(input, 'resourceArn').replace(/:\*$/, '');
    const g = Object.values(groups(rt)).find((x) => x.region === region && x.arn === arn);
    if (!g) fail('ResourceNotFoundException', 'The specified log group does not exist.');
    return { tags: { ...g.tags } };
  },

  ListTagsLogGroup(rt, input, region) {
    const g = findGroup(rt, input, region);
    return { tags: { ...g.tags } };
  },
};
