/**
 * The local target's CloudWatch Logs content, read from the real servers: an Aurora PostgreSQL
 * cluster's exported `postgresql` log is each instance's own postgres.log (Aurora MySQL's `slowquery`
 * each MariaDB's slow query log), and RDSOSMetrics holds
 * samples of the instance's processes taken from /proc (CPU of the server and its children, the
 * host's memory and load; os-metrics-sampler.ts). The model calls it for every read of a group
 * (SimCloudOptions.logs).
 * Aurora MySQL's exported slowquery log is each MariaDB's slow query log file.
 */
import { dirname, join } from 'node:path';
import type { LogsProvider } from '../../sim/model/cloud.js';
import { readSlowLog, slowLogFile } from './maria-log.js';
import { readPgLog } from './pg-log.js';
import { OsMetricsSampler } from './os-metrics-sampler.js';
import { processInfo } from './proc-info.js';

export interface LocalLogsSource {
  /** The server process of each running instance. */
  serverPids(): Record<string, number | undefined>;
}

/** `osMetrics` also samples in the background while an instance is monitored (the server syncs it). */
export function localLogsProvider(source: LocalLogsSource, now: () => number = Date.now, osMetrics = new OsMetricsSampler(source, now)): LogsProvider {
  return ({ logGroupName, instances }) => {
    const pids = source.serverPids();
    if (logGroupName.startsWith('/aws/rds/cluster/') && logGroupName.endsWith('/postgresql')) {
      const out: Record<string, { timestamp: number; message: string }[]> = {};
      for (const [stream, owner] of Object.entries(instances)) {
        const pid = pids[owner.instanceId];
        const info = pid ? processInfo(pid) : undefined;
        // The server's working directory is its data directory; its log sits beside it.
        out[stream] = info ? readPgLog(join(dirname(info.cwd), 'postgres.log')) : [];
      }
      return out;
    }
    if (logGroupName.startsWith('/aws/rds/cluster/') && logGroupName.endsWith('/slowquery')) {
      const out: Record<string, { timestamp: number; message: string }[]> = {};
      for (const [stream, owner] of Object.entries(instances)) {
        const pid = pids[owner.instanceId];
        const dataDir = pid ? processInfo(pid)?.settings['datadir'] : undefined;
        out[stream] = dataDir ? readSlowLog(slowLogFile(dataDir)) : [];
      }
      return out;
    }
    if (logGroupName === 'RDSOSMetrics') {
      const out: Record<string, { timestamp: number; message: string }[]> = {};
      for (const [stream, owner] of Object.entries(instances)) out[stream] = osMetrics.sampleIfDue({ ...owner, resourceId: stream });
      return out;
    }
    return undefined;
  };
}
