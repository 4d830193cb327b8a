/**
 * The local target's CloudWatch Logs content, read from the real servers: an Aurora PostgreSQL
 * cluster's exported `postgresql` log is each instance's own postgres.log (Aurora MySQL's `slowquery`
 * each MariaDB's slow query log), and RDSOSMetrics holds
 * samples of the instance's processes taken from /proc (CPU of the server and its children, the
 * host's memory and load). The model calls it for every read of a group (SimCloudOptions.logs).
 * Aurora MySQL's exported slowquery log is each MariaDB's slow query log file.
 */
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { LogsProvider } from '../../sim/model/cloud.js';
import { osMetricsDocument } from '../../sim/model/logs-rds.js';
import { readSlowLog, slowLogFile } from './maria-log.js';
import { readPgLog } from './pg-log.js';
import { loadAverages, memInfoKb, processInfo, treeCpuTicks, uptimeSeconds } from './proc-info.js';

export interface LocalLogsSource {
  /** The server process of each running instance. */
  serverPids(): Record<string, number | undefined>;
}

const TICKS_PER_SECOND = 100;
/** Samples kept per instance: an hour at 5 s. */
const MAX_SAMPLES = 720;

interface Sampled {
  at: number;
  ticks: number;
  events: { timestamp: number; message: string }[];
}

export function localLogsProvider(source: LocalLogsSource, now: () => number = Date.now): LogsProvider {
  const samples = new Map<string, Sampled>();
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
      for (const [stream, owner] of Object.entries(instances)) {
        const pid = pids[owner.instanceId];
        let s = samples.get(stream);
        const t = now();
        const interval = (owner.monitoringInterval ?? 60) * 1000;
        if (pid && (!s || t - s.at >= interval)) {
          const cpu = treeCpuTicks(pid);
          const cores = navigatorCores();
          // CPU since the previous sample; the first one averages since the server started.
          const seconds = s ? (t - s.at) / 1000 : Math.max(0.01, uptimeSeconds() - cpu.startTicks / TICKS_PER_SECOND);
          const used = (cpu.ticks - (s?.ticks ?? 0)) / TICKS_PER_SECOND;
          const pct = Math.min(100, (used / seconds / cores) * 100);
          const mem = memInfoKb();
          const message = osMetricsDocument({ id: owner.instanceId, resourceId: owner.resourceId, engine: owner.engine }, t, {
            cpuTotal: Math.max(0, pct),
            memoryTotalKb: mem.total,
            memoryFreeKb: mem.free,
            ...loadAverages(),
            tasksTotal: cpu.tasks,
            uptimeSeconds: uptimeSeconds(),
          }, cores);
          s = { at: t, ticks: cpu.ticks, events: [...(s?.events ?? []), { timestamp: t, message }].slice(-MAX_SAMPLES) };
          samples.set(stream, s);
        }
        out[stream] = s?.events ?? [];
      }
      return out;
    }
    return undefined;
  };
}

function navigatorCores(): number {
  return Math.max(1, availableParallelism());
}
