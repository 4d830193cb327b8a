/**
 * Enhanced Monitoring's documents as RDS writes them to RDSOSMetrics: one JSON message per interval per
 * instance. The dry run has no operating system to read, so the figures are a plausible idle host's;
 * the local target replaces them with its processes' own (/proc) through the logs provider.
 */
import type { InstanceRec } from './state.js';

/** At most this many samples are added per read: a jump of the virtual clock must not flood the state. */
const MAX_NEW_SAMPLES = 60;

export interface OsMetricsSample {
  cpuTotal: number;
  memoryTotalKb: number;
  memoryFreeKb: number;
  load1: number;
  load5?: number;
  load15?: number;
  tasksTotal: number;
  uptimeSeconds: number;
}

/** The RDSOSMetrics message of one sample, with the member names AWS documents. */
export function osMetricsDocument(i: Pick<InstanceRec, 'id' | 'resourceId' | 'engine'>, at: number, s: OsMetricsSample, vcpus = 2): string {
  const up = Math.floor(s.uptimeSeconds);
  const pad = (n: number) => String(n).padStart(2, '0');
  return JSON.stringify({
    engine: i.engine === 'aurora-postgresql' ? 'AURORA_POSTGRES' : 'AURORA',
    instanceID: i.id,
    instanceResourceID: i.resourceId,
    timestamp: new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    version: 1,
    uptime: `${Math.floor(up / 86400)} days, ${pad(Math.floor(up / 3600) % 24)}:${pad(Math.floor(up / 60) % 60)}:${pad(up % 60)}`,
    numVCPUs: vcpus,
    cpuUtilization: { guest: 0, irq: 0, system: round(s.cpuTotal * 0.3), wait: 0, idle: round(100 - s.cpuTotal), user: round(s.cpuTotal * 0.7), total: round(s.cpuTotal), steal: 0, nice: 0 },
    loadAverageMinute: { one: round(s.load1), ...(s.load5 !== undefined ? { five: round(s.load5) } : {}), ...(s.load15 !== undefined ? { fifteen: round(s.load15) } : {}) },
    memory: { total: s.memoryTotalKb, free: s.memoryFreeKb, buffers: 0, cached: 0, active: s.memoryTotalKb - s.memoryFreeKb, inactive: 0, dirty: 0, writeback: 0, mapped: 0, pageTables: 0, slab: 0, hugePagesTotal: 0, hugePagesFree: 0, hugePagesRsvd: 0, hugePagesSurp: 0, hugePagesSize: 2048 },
    tasks: { total: s.tasksTotal, running: 1, sleeping: s.tasksTotal - 1, stopped: 0, zombie: 0, blocked: 0 },
  });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Synthesized samples after `lastMs` up to `nowMs`, one per MonitoringInterval (the newest ones only). */
export function osMetricsEvents(i: InstanceRec, lastMs: number, nowMs: number): { timestamp: number; message: string }[] {
  const step = (i.monitoringInterval ?? 0) * 1000;
  if (step <= 0) return [];
  let first = lastMs + step;
  if ((nowMs - first) / step > MAX_NEW_SAMPLES) first = nowMs - (MAX_NEW_SAMPLES - 1) * step;
  const out = [];
  for (let t = first; t <= nowMs; t += step) {
    const wave = (Math.sin(t / 300_000) + 1) / 2;
    out.push({
      timestamp: t,
      message: osMetricsDocument(i, t, { cpuTotal: 3 + 4 * wave, memoryTotalKb: 4_025_880, memoryFreeKb: 2_100_000, load1: 0.1 + wave * 0.2, tasksTotal: 180, uptimeSeconds: (t - i.createdAt) / 1000 }),
    });
  }
  return out;
}
