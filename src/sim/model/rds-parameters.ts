/**
 * Parameters of (cluster) parameter groups: a small catalogue per engine of the parameters the labs
 * set (the slow-statement logs among them), with their types, allowed values, apply type and level
 * (cluster, instance or both), and Modify/Describe/Reset with AWS's refusals: an unknown name, a value
 * out of range, `immediate` on a static parameter, more than 20 at once, a default group.
 */
import { fail, invalidCombination, invalidValue } from './errors.js';
import { optStr, reqId } from './input.js';
import { page } from './catalog/paging.js';
import type { Handler, Input, Runtime } from './runtime.js';
import { rkey, type ParameterGroupRec } from './state.js';

interface ParamSpec {
  description: string;
  dataType: 'integer' | 'float' | 'boolean' | 'string' | 'list';
  allowed: string;
  applyType: 'dynamic' | 'static';
  level: 'cluster' | 'instance' | 'both';
  default?: string;
}

const PG: Record<string, ParamSpec> = {
  log_min_duration_statement: { description: 'Sets the minimum execution time above which statements will be logged.', dataType: 'integer', allowed: '-1-2147483647', applyType: 'dynamic', level: 'both' },
  log_statement: { description: 'Sets the type of statements logged.', dataType: 'string', allowed: 'none,ddl,mod,all', applyType: 'dynamic', level: 'both' },
  log_connections: { description: 'Logs each successful connection.', dataType: 'boolean', allowed: '0,1', applyType: 'dynamic', level: 'both' },
  log_lock_waits: { description: 'Logs long lock waits.', dataType: 'boolean', allowed: '0,1', applyType: 'dynamic', level: 'both' },
  shared_preload_libraries: { description: 'Lists shared libraries to preload into server.', dataType: 'list', allowed: 'auto_explain,orafce,pgaudit,pglogical,pg_bigm,pg_cron,pg_hint_plan,pg_prewarm,pg_similarity,pg_stat_statements,pg_tle,pg_partman_bgw,plprofiler,pgtt,decoder_raw,pg_transport,wal2json', applyType: 'static', level: 'both', default: 'pg_stat_statements' },
  'rds.force_ssl': { description: 'Force SSL connections.', dataType: 'boolean', allowed: '0,1', applyType: 'dynamic', level: 'cluster', default: '0' },
};

const MYSQL: Record<string, ParamSpec> = {
  slow_query_log: { description: 'Enable or disable the slow query log.', dataType: 'boolean', allowed: '0,1', applyType: 'dynamic', level: 'both', default: '0' },
  long_query_time: { description: 'If a query takes longer than this many seconds, the server logs it as slow.', dataType: 'float', allowed: '0-31536000', applyType: 'dynamic', level: 'both', default: '10' },
  log_output: { description: 'Controls where to store query logs.', dataType: 'string', allowed: 'TABLE,FILE,NONE', applyType: 'dynamic', level: 'both', default: 'FILE' },
  general_log: { description: 'Whether the general query log is enabled.', dataType: 'boolean', allowed: '0,1', applyType: 'dynamic', level: 'both', default: '0' },
  log_queries_not_using_indexes: { description: 'Logs queries that are expected to retrieve all rows to slow query log.', dataType: 'boolean', allowed: '0,1', applyType: 'dynamic', level: 'both', default: '0' },
  binlog_format: { description: 'Binary logging format for replication.', dataType: 'string', allowed: 'ROW,STATEMENT,MIXED,OFF', applyType: 'static', level: 'cluster', default: 'OFF' },
  server_audit_logging: { description: 'Enables advanced auditing.', dataType: 'boolean', allowed: '0,1', applyType: 'dynamic', level: 'cluster', default: '0' },
};

function catalogFor(family: string, kind: 'cluster' | 'instance'): Record<string, ParamSpec> {
  const all = family.includes('postgres') ? PG : MYSQL;
  return Object.fromEntries(Object.entries(all).filter(([, p]) => p.level === 'both' || p.level === kind));
}

function checkValue(name: string, spec: ParamSpec, value: string): void {
  const bad = () => invalidValue(`Value: ${value} is outside of range: ${spec.allowed} for parameter: ${name}`);
  if (spec.dataType === 'integer' || spec.dataType === 'float') {
    const [lo, hi] = spec.allowed.split(/(?<=\d)-/).map(Number);
    const n = Number(value);
    if (value.trim() === '' || Number.isNaN(n) || (spec.dataType === 'integer' && !Number.isInteger(n)) || n < lo! || n > hi!) bad();
  } else if (spec.dataType === 'list') {
    const allowed = spec.allowed.split(',');
    if (value.split(',').some((v) => !allowed.includes(v.trim()))) bad();
  } else if (!spec.allowed.split(',').includes(value)) {
    bad();
  }
}

function groupOf(rt: Runtime, region: string, kind: 'cluster' | 'instance', name: string, family?: string): ParameterGroupRec | { name: string; family: string; parameters?: undefined; isDefault: true } {
  if (name.startsWith('default.')) return { name, family: family ?? name.slice('default.'.length), isDefault: true };
  const pg = rt.state.parameterGroups[rkey(region, `${kind}/${name}`)];
  // RDS answers a missing cluster parameter group with the instance group's code, as teardown expects.
  if (!pg) fail('DBParameterGroupNotFound', `${kind === 'cluster' ? 'DBClusterParameterGroup' : 'DBParameterGroup'} not found: ${name}`);
  return pg;
}

function modify(kind: 'cluster' | 'instance'): Handler {
  const nameField = kind === 'cluster' ? 'DBClusterParameterGroupName' : 'DBParameterGroupName';
  return (rt, input, region) => {
    const name = reqId(input, nameField);
    const g = groupOf(rt, region, kind, name);
    if ('isDefault' in g) invalidValue(`Default parameter groups can't be modified: ${name}`);
    const list = Array.isArray(input['Parameters']) ? (input['Parameters'] as Input[]) : [];
    if (list.length === 0) invalidValue('The parameter Parameters must be provided and must not be empty.');
    if (list.length > 20) invalidValue('You can modify at most 20 parameters in one request.');
    const catalog = catalogFor(g.family, kind);
    const next = { ...(g.parameters ?? {}) };
    for (const p of list) {
      const pname = optStr(p, 'ParameterName');
      const value = optStr(p, 'ParameterValue');
      const method = optStr(p, 'ApplyMethod') ?? 'pending-reboot';
      if (!pname) invalidValue('ParameterName must be provided.');
      const spec = catalog[pname];
      if (!spec) invalidValue(`Could not find parameter with name: ${pname}`);
      if (value === undefined) invalidValue(`ParameterValue must be provided for parameter: ${pname}`);
      if (method !== 'immediate' && method !== 'pending-reboot') invalidValue(`Invalid ApplyMethod: ${method}`);
      if (method === 'immediate' && spec.applyType === 'static') invalidCombination(`cannot use immediate apply method for static parameter: ${pname}`);
      checkValue(pname, spec, value);
      next[pname] = { value, applyMethod: method };
    }
    g.parameters = next;
    return { [nameField]: g.name };
  };
}

function describe(kind: 'cluster' | 'instance'): Handler {
  const nameField = kind === 'cluster' ? 'DBClusterParameterGroupName' : 'DBParameterGroupName';
  const operation = kind === 'cluster' ? 'DescribeDBClusterParameters' : 'DescribeDBParameters';
  return (rt, input, region) => {
    const name = reqId(input, nameField);
    const g = groupOf(rt, region, kind, name);
    const source = optStr(input, 'Source');
    const rows = Object.entries(catalogFor(g.family, kind))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([pname, spec]) => {
        const set = g.parameters?.[pname];
        const value = set?.value ?? spec.default;
        return {
          ParameterName: pname,
          ...(value !== undefined ? { ParameterValue: value } : {}),
          Description: spec.description,
          Source: set ? 'user' : spec.default !== undefined ? 'system' : 'engine-default',
          ApplyType: spec.applyType,
          DataType: spec.dataType,
          AllowedValues: spec.allowed,
          IsModifiable: true,
          ApplyMethod: set?.applyMethod ?? 'pending-reboot',
          ...(kind === 'cluster' ? { SupportedEngineModes: ['provisioned'] } : {}),
        };
      })
      .filter((r) => source === undefined || r.Source === source);
    const p = page(operation, input, rows, 100);
    return { Parameters: p.items, ...(p.marker ? { Marker: p.marker } : {}) };
  };
}

function reset(kind: 'cluster' | 'instance'): Handler {
  const nameField = kind === 'cluster' ? 'DBClusterParameterGroupName' : 'DBParameterGroupName';
  return (rt, input, region) => {
    const name = reqId(input, nameField);
    const g = groupOf(rt, region, kind, name);
    if ('isDefault' in g) invalidValue(`Default parameter groups can't be modified: ${name}`);
    const names = Array.isArray(input['Parameters']) ? (input['Parameters'] as Input[]).map((p) => String(p['ParameterName'])) : [];
    if (input['ResetAllParameters'] === true || names.length === 0) delete g.parameters;
    else for (const n of names) delete g.parameters?.[n];
    return { [nameField]: g.name };
  };
}

/** The values a cluster's parameter group sets (the data plane applies them to the real servers). */
export function clusterParameters(rt: Runtime, region: string, groupName: string): Record<string, string> {
  const g = rt.state.parameterGroups[rkey(region, `cluster/${groupName}`)];
  return Object.fromEntries(Object.entries(g?.parameters ?? {}).map(([k, v]) => [k, v.value]));
}

export const parameterHandlers: Record<string, Handler> = {
  ModifyDBClusterParameterGroup: modify('cluster'),
  DescribeDBClusterParameters: describe('cluster'),
  ResetDBClusterParameterGroup: reset('cluster'),
  ModifyDBParameterGroup: modify('instance'),
  DescribeDBParameters: describe('instance'),
  ResetDBParameterGroup: reset('instance'),
};
