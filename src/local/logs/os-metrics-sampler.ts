/**
 * Enhanced Monitoring on the local target: RDS's agent samples an instance's OS every
 * MonitoringInterval seconds for as long as monitoring is on, whether anyone reads RDSOSMetrics or
 * not. This sampler does the same from /proc, with one timer per monitored instance that exists only
 * while the model publishes OS metrics for it (MonitoringInterval > 0 and a role that may publish):
 * while no instance is monitored the server reads nothing from /proc. sync() after each control-plane
 * call starts a timer when monitoring is turned on (CreateDBInstance or ModifyDBInstance) and stops it
 * when it is turned off or the instance is gone. A read between two ticks takes the sample that is
 * due, so the first one comes as monitoring starts.
 */
import { availableParallelism } from 'node:os';
import { osMetricsDocument } from '../../sim/model/logs-rds.js';
import { publishesOsMetrics } from '../../sim/model/logs.js';
import type { SimState } from '../../sim/model/state.js';
import type { LocalLogsSource } from './local-logs.js';
import { loadAverages, memInfoKb, treeCpuTicks, uptimeSeconds } from './proc-info.js';

export interface MonitoredInstance {
  instanceId: string;
  engine: string;
  /** The stream RDSOSMetrics keeps its samples in. */
  resourceId: string;
  /** Seconds between samples. */
  monitoringInterval?: number;
}

/** setInterval and clearInterval, replaceable so that a test can see which timers exist. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  // unref: a sampler never keeps the server alive by itself.
  set: (fn, ms) => setInterval(fn, ms).unref(),
  clear: (handle) => clearInterval(handle as NodeJS.Timeout),
};

const TICKS_PER_SECOND = 100;
/** Samples kept per instance: an hour at 5 s. */
const MAX_SAMPLES = 720;

interface Sampled {
  at: number;
  ticks: number;
  events: { timestamp: number; message: string }[];
}

/** The instances of the account RDS publishes OS metrics for now, as the sampler wants them. */
export function monitoredInstances(state: Pick<SimState, 'instances' | 'roles'>): MonitoredInstance[] {
  return Object.values(state.instances)
    .filter((i) => publishesOsMetrics(state, i))
    .map((i) => ({ instanceId: i.id, engine: i.engine, resourceId: i.resourceId, monitoringInterval: i.monitoringInterval }));
}

export class OsMetricsSampler {
  private readonly samples = new Map<string, Sampled>();
  private readonly running = new Map<string, { intervalMs: number; handle: unknown }>();

  constructor(
    private readonly source: LocalLogsSource,
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = REAL_TIMERS,
  ) {}

  /** The streams (DbiResourceIds) being sampled in the background now. */
  get sampling(): string[] {
    return [...this.running.keys()].sort();
  }

  /** One timer per monitored instance at its interval; the others' timers stopped. */
  sync(instances: MonitoredInstance[]): void {
    const wanted = new Map(instances.filter((i) => (i.monitoringInterval ?? 0) > 0).map((i) => [i.resourceId, i]));
    for (const [id, t] of this.running) {
      const w = wanted.get(id);
      if (w && w.monitoringInterval! * 1000 === t.intervalMs) continue;
      this.timers.clear(t.handle);
      this.running.delete(id);
    }
    for (const [id, i] of wanted) {
      if (this.running.has(id)) continue;
      const intervalMs = i.monitoringInterval! * 1000;
      this.running.set(id, { intervalMs, handle: this.timers.set(() => this.sampleIfDue(i), intervalMs) });
    }
  }

  stop(): void {
    this.sync([]);
  }

  /** The instance's samples, with a new one first if its interval has passed since the last (60 s unless given). */
  sampleIfDue(owner: MonitoredInstance): { timestamp: number; message: string }[] {
    let s = this.samples.get(owner.resourceId);
    const pid = this.source.serverPids()[owner.instanceId];
    const t = this.now();
    const interval = (owner.monitoringInterval ?? 60) * 1000;
    if (pid && (!s || t - s.at >= interval)) {
      const cpu = treeCpuTicks(pid);
      const cores = Math.max(1, availableParallelism());
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
      this.samples.set(owner.resourceId, s);
    }
    return s?.events ?? [];
  }
}
