/**
 * DatabaseConnections for the local target, measured: once a second, while the account has an
 * instance, the client backends of each PostgreSQL server are counted from /proc (its children named "postgres: user db host(port) ...").
 * GetMetricStatistics / GetMetricData and the alarms read per-period statistics of those samples, by
 * DBInstanceIdentifier (or DBClusterIdentifier: the cluster's instances summed). MariaDB runs threads,
 * not processes: its connections are the established TCP connections to its port.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { MetricQuery, MetricSeries, MetricsProvider, SimCloud } from '../../sim/model/cloud.js';
import type { LocalLogsSource } from './local-logs.js';
import { processInfo } from './proc-info.js';

const KEEP_MS = 2 * 3600_000;
// "postgres: [cluster_name: ]user database host(port) state": the local servers set cluster_name.
const CLIENT_BACKEND = /^postgres: (?:\S+: )?\S+ \S+ (\[local\]|\S+\(\d+\))/;

/** Client backends of each server, by its pid. */
function countBackends(pids: Set<number>): Map<number, number> {
  const counts = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!pids.has(ppid)) continue;
      const title = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0+$/, '').replace(/\0/g, ' ');
      if (CLIENT_BACKEND.test(title) && !title.includes(': walsender ')) counts.set(ppid, (counts.get(ppid) ?? 0) + 1);
    } catch {
      // gone meanwhile
    }
  }
  return counts;
}

/** Established TCP connections to each port (MariaDB runs a connection per thread, not per process). */
function establishedByPort(): Map<number, number> {
  const counts = new Map<number, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '01') continue;
      const port = parseInt(f[1]!.split(':')[1] ?? '', 16);
      counts.set(port, (counts.get(port) ?? 0) + 1);
    }
  }
  return counts;
}

export class ConnectionSampler {
  private readonly samples = new Map<string, { t: number; n: number }[]>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly source: LocalLogsSource,
    private readonly clusterOf: (instanceId: string) => string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  start(intervalMs = 1000): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Sample only while the account has an instance: RDS publishes DatabaseConnections for every
   * instance (Enhanced Monitoring or not), and with none there is nothing in /proc to count.
   */
  sync(instances: number, intervalMs = 1000): void {
    if (instances > 0) this.start(intervalMs);
    else this.stop();
  }

  sample(): void {
    const pids = this.source.serverPids();
    const byPid = new Map<number, string>();
    for (const [id, pid] of Object.entries(pids)) if (pid) byPid.set(pid, id);
    const counts = countBackends(new Set(byPid.keys()));
    const tcp = establishedByPort();
    const t = this.now();
    for (const [pid, id] of byPid) {
      const info = processInfo(pid);
      const maria = info?.settings['datadir'] !== undefined && info.settings['port'] !== undefined;
      const n = maria ? (tcp.get(Number(info.settings['port'])) ?? 0) : (counts.get(pid) ?? 0);
      const list = this.samples.get(id) ?? [];
      list.push({ t, n });
      while (list.length > 0 && list[0]!.t < t - KEEP_MS) list.shift();
      this.samples.set(id, list);
    }
  }

  provider(): MetricsProvider {
    return (q) => (q.namespace === 'AWS/RDS' && q.metricName === 'DatabaseConnections' ? this.series(q) : undefined);
  }

  private series(q: MetricQuery): MetricSeries {
    const instance = q.dimensions['DBInstanceIdentifier']?.toLowerCase();
    const cluster = q.dimensions['DBClusterIdentifier']?.toLowerCase();
    const ids = [...this.samples.keys()].filter((id) => (instance ? id === instance : cluster ? this.clusterOf(id) === cluster : false));
    const step = Math.max(1, q.periodSeconds) * 1000;
    const buckets = new Map<number, number[]>();
    for (const id of ids) {
      for (const s of this.samples.get(id)!) {
        if (s.t < q.start.getTime() || s.t >= q.end.getTime()) continue;
        const at = Math.floor(s.t / step) * step;
        const list = buckets.get(at) ?? [];
        list.push(s.n);
        buckets.set(at, list);
      }
    }
    const times = [...buckets.keys()].sort((a, b) => a - b);
    const stats = times.map((at) => {
      const v = buckets.get(at)!;
      const sum = v.reduce((a, b) => a + b, 0);
      return { Maximum: Math.max(...v), Minimum: Math.min(...v), Average: sum / v.length, Sum: sum, SampleCount: v.length };
    });
    const stat = (['Maximum', 'Minimum', 'Average', 'Sum', 'SampleCount'] as const).find((s) => s === q.stat) ?? 'Average';
    return { timestamps: times.map((t) => new Date(t)), values: stats.map((s) => s[stat]), statistics: stats };
  }
}

/** The cluster an instance of the simulated account belongs to (any region). */
export function clusterOfInstance(sim: SimCloud, instanceId: string): string | undefined {
  return Object.values(sim.peek().instances).find((i) => i.id === instanceId)?.clusterId;
}
