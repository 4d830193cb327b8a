/**
 * What RDS checks of a cluster's log exports (EnableCloudwatchLogsExports, per engine) and of an
 * instance's Enhanced Monitoring (MonitoringInterval, MonitoringRoleArn), with AWS's refusals, and
 * the members these settings add to DescribeDBClusters / DescribeDBInstances.
 */
import { invalidCombination, invalidValue } from './errors.js';
import { roleTrusts } from './iam.js';
import { optNum, optStr, strList } from './input.js';
import type { Input, Runtime } from './runtime.js';
import type { ClusterRec, InstanceRec } from './state.js';

/** The log types each engine exports, as the RDS API reference lists them for CreateDBCluster. */
export const LOG_TYPES: Record<string, string[]> = {
  'aurora-postgresql': ['instance', 'postgresql', 'iam-db-auth-error'],
  'aurora-mysql': ['audit', 'error', 'general', 'instance', 'slowquery', 'iam-db-auth-error'],
};

const INTERVALS = [0, 1, 5, 10, 15, 30, 60];
export const MONITORING_PRINCIPAL = 'monitoring.rds.amazonaws.com';

function checkTypes(engine: string, version: string, types: string[]): void {
  const allowed = LOG_TYPES[engine] ?? [];
  const bad = types.filter((t) => !allowed.includes(t));
  if (bad.length > 0) {
    invalidCombination(`You cannot use the log types '${bad.join("', '")}' with engine version ${engine} ${version}. For supported log types, see the documentation.`);
  }
}

/** EnableCloudwatchLogsExports of CreateDBCluster (and the restores). */
export function logExportsOf(input: Input, engine: string, version: string): string[] | undefined {
  const types = strList(input, 'EnableCloudwatchLogsExports');
  if (types.length === 0) return undefined;
  checkTypes(engine, version, types);
  return [...new Set(types)];
}

/** ModifyDBCluster's CloudwatchLogsExportConfiguration { EnableLogTypes, DisableLogTypes }. */
export function applyLogExportChange(c: ClusterRec, input: Input): boolean {
  const conf = input['CloudwatchLogsExportConfiguration'] as Input | undefined;
  if (!conf) return false;
  const enable = strList(conf, 'EnableLogTypes');
  const disable = strList(conf, 'DisableLogTypes');
  checkTypes(c.engine, c.engineVersion, [...enable, ...disable]);
  const both = enable.filter((t) => disable.includes(t));
  if (both.length > 0) invalidCombination(`You cannot enable and disable the log types '${both.join("', '")}' at the same time.`);
  const next = [...new Set([...(c.logExports ?? []), ...enable])].filter((t) => !disable.includes(t));
  if (next.length > 0) c.logExports = next;
  else delete c.logExports;
  return true;
}

/**
 * MonitoringInterval / MonitoringRoleArn of CreateDBInstance and ModifyDBInstance: an interval other
 * than 0 needs a role, a role needs an interval, and RDS must be able to assume the role.
 */
export function monitoringOf(rt: Runtime, input: Input, current?: Pick<InstanceRec, 'monitoringInterval' | 'monitoringRoleArn'>): Pick<InstanceRec, 'monitoringInterval' | 'monitoringRoleArn'> {
  const given = optNum(input, 'MonitoringInterval');
  const interval = given ?? current?.monitoringInterval ?? 0;
  if (!INTERVALS.includes(interval)) invalidValue(`Invalid value ${interval} for MonitoringInterval. Valid values: ${INTERVALS.join(', ')}.`);
  const role = optStr(input, 'MonitoringRoleArn') ?? (interval === 0 ? undefined : current?.monitoringRoleArn);
  if (interval !== 0 && role === undefined) invalidCombination('A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.');
  if (interval === 0 && optStr(input, 'MonitoringRoleArn') !== undefined) {
    invalidCombination('You must specify a MonitoringInterval value other than 0 when you specify a MonitoringRoleARN value.');
  }
  if (role !== undefined && !roleTrusts(rt, role, MONITORING_PRINCIPAL)) {
    invalidValue('IAM role ARN value is invalid or does not include the required permissions for: ENHANCED_MONITORING');
  }
  return interval === 0 ? { monitoringInterval: 0 } : { monitoringInterval: interval, monitoringRoleArn: role };
}

export function clusterMonitoringOut(c: ClusterRec): Record<string, unknown> {
  return c.logExports ? { EnabledCloudwatchLogsExports: [...c.logExports] } : {};
}

export function instanceMonitoringOut(rt: Runtime, i: InstanceRec): Record<string, unknown> {
  if (!i.monitoringInterval) return { MonitoringInterval: 0 };
  return {
    MonitoringInterval: i.monitoringInterval,
    MonitoringRoleArn: i.monitoringRoleArn,
    EnhancedMonitoringResourceArn: `arn:aws:logs:${i.region}:${rt.accountId}:log-group:RDSOSMetrics:log-stream:${i.resourceId}`,
  };
}
