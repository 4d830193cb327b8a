/**
 * Serverless v2 on the local target: every db.serverless instance of a cluster with a scaling range is
 * sampled periodically (its client sessions through the engine's SessionSource, the CPU of its
 * processes from /proc), its capacity follows the load (see serverless-capacity.ts), and with
 * MinCapacity 0 it pauses when idle (see serverless-pause.ts). The capacity history feeds CloudWatch
 * (serverless-metrics.ts).
 */
import { LocalTargetError } from '../../errors.js';
import { silentReporter, type Reporter } from '../../events.js';
import type { ServerlessScaling } from '../../sim/data-plane.js';
import type { InstanceServer } from '../engines/instance-server.js';
import type { PgServer } from '../engines/postgres/pg-server.js';
import { pgSessionSource } from '../engines/postgres/sessions.js';
import type { SessionSource } from './session-source.js';
import { busyCoresBetween, CapacityGauge, cpuTicks, HISTORY_MS } from './serverless-capacity.js';
import type { CapacityHistory } from './serverless-metrics.js';
import { PauseControl } from './serverless-pause.js';

/** AWS's SecondsUntilAutoPause and scale-down pace shrink by this factor locally unless told otherwise. */
export const DEFAULT_TIME_SCALE = 0.02;
export const DEFAULT_SAMPLE_MS = 500;

export function timeScaleFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.AURORA_LAB_LOCAL_TIME_SCALE;
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_TIME_SCALE;
}

/** What the scaler needs of the data plane. */
export interface ServerlessHost {
  server(instanceId: string): InstanceServer | undefined;
  /**
   * The session source of an instance's server (made once per connection; closed after a failed read
   * and when the instance stops being sampled). Optional, and undefined for a PostgreSQL server: it
   * has a default (engines/postgres/sessions.ts on the server's admin socket).
   */
  sessions?(instanceId: string, server: InstanceServer): SessionSource | undefined;
  /** Connections the cluster and reader endpoints hold open (or are opening) to the instance. */
  proxiedConnections(instanceId: string): number;
  /** A writer with streaming replicas. */
  hasStandbys(instanceId: string): boolean;
  processesChanged(): void;
}

export interface ScalerOptions {
  timeScale: number;
  sampleMs?: number;
  reporter?: Reporter;
}

interface Tracked {
  instanceId: string;
  clusterId: string;
  region: string;
  gauge: CapacityGauge;
  pause: PauseControl;
  sessions?: SessionSource;
  cpu?: { at: number; ticks: Map<number, number> };
  sampling: boolean;
}

export class ServerlessScaler {
  readonly timeScale: number;
  private readonly sampleMs: number;
  private readonly reporter: Reporter;
  private readonly tracked = new Map<string, Tracked>();
  /** Kept after an instance is gone: CloudWatch still answers for it. */
  private readonly histories = new Map<string, CapacityHistory>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly host: ServerlessHost,
    options: ScalerOptions,
  ) {
    this.timeScale = options.timeScale;
    this.sampleMs = options.sampleMs ?? DEFAULT_SAMPLE_MS;
    this.reporter = options.reporter ?? silentReporter;
  }

  /** Start (or re-range) scaling for a db.serverless instance; stop it for any other class or no range. */
  async configure(instance: { instanceId: string; clusterId?: string; region: string; instanceClass: string }, range: ServerlessScaling | undefined): Promise<void> {
    const t = this.tracked.get(instance.instanceId);
    if (instance.instanceClass !== 'db.serverless' || !range || !instance.clusterId) {
      if (t) await this.untrack(instance.instanceId, { resume: true });
      return;
    }
    if (t) {
      t.gauge.setRange(range);
      this.histories.get(instance.instanceId)!.maxCapacity = range.maxCapacity;
      // A range that no longer allows pausing wakes a paused instance.
      if (!this.pausable(t)) await t.pause.resume('the scaling range no longer allows a pause');
      return;
    }
    const gauge = new CapacityGauge(range, this.timeScale);
    const pause = new PauseControl(instance.instanceId, () => this.host.server(instance.instanceId), {
      reporter: this.reporter,
      processesChanged: () => this.host.processesChanged(),
    });
    this.tracked.set(instance.instanceId, { ...instance, clusterId: instance.clusterId, gauge, pause, sampling: false });
    this.histories.set(instance.instanceId, { instanceId: instance.instanceId, clusterId: instance.clusterId, region: instance.region, maxCapacity: range.maxCapacity, points: gauge.history });
    this.reporter.emit({
      code: 'local.serverless.tracked',
      level: 'info',
      message: `Serverless v2 instance ${instance.instanceId} scales ${range.minCapacity}-${range.maxCapacity} ACU` +
        (range.minCapacity === 0 && range.secondsUntilAutoPause !== undefined
          ? `, pauses after ${range.secondsUntilAutoPause} s idle (${round(range.secondsUntilAutoPause * this.timeScale)} s locally, time scale ${this.timeScale})`
          : ''),
      data: { instanceId: instance.instanceId, ...range, timeScale: this.timeScale },
    });
    this.timer ??= setInterval(() => this.tick(), this.sampleMs).unref();
  }

  /** Stop scaling an instance. With resume, a paused one is started again (it is no longer serverless). */
  async untrack(instanceId: string, options: { resume: boolean }): Promise<void> {
    const t = this.tracked.get(instanceId);
    if (!t) return;
    this.tracked.delete(instanceId);
    await closeAdmin(t);
    if (options.resume) await t.pause.resume('no longer a Serverless v2 instance');
    else await t.pause.settled();
    if (this.tracked.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** The endpoint proxies' gate: a connection to a paused instance waits for it to resume. */
  beforeConnect(instanceId: string): Promise<void> | undefined {
    const t = this.tracked.get(instanceId);
    if (!t) return undefined;
    if (t.pause.state === 'running') {
      t.pause.touch();
      return undefined;
    }
    return t.pause.resume('a connection through an endpoint');
  }

  /** Keep these instances running (resumed first if paused) while fn runs: failover, reboot, snapshot. */
  async whileAwake<T>(instanceIds: (string | undefined)[], reason: string, fn: () => Promise<T>): Promise<T> {
    const controls = instanceIds.flatMap((id) => (id && this.tracked.get(id) ? [this.tracked.get(id)!.pause] : []));
    const run = (i: number): Promise<T> => (i >= controls.length ? fn() : controls[i]!.whileHeld(reason, () => run(i + 1)));
    return run(0);
  }

  isPaused(instanceId: string): boolean {
    return this.tracked.get(instanceId)?.pause.asleep ?? false;
  }

  /** Current capacity (0 while paused); undefined for an instance that does not scale. */
  capacity(instanceId: string): number | undefined {
    const t = this.tracked.get(instanceId);
    if (!t) return undefined;
    return t.pause.asleep ? 0 : t.gauge.acu;
  }

  lastResumeMs(instanceId: string): number | undefined {
    return this.tracked.get(instanceId)?.pause.lastResumeMs;
  }

  /** Every capacity sample of the last hour, per instance (CloudWatch's source). */
  capacityHistories(): CapacityHistory[] {
    const cutoff = Date.now() - HISTORY_MS;
    for (const [id, h] of this.histories) {
      const last = h.points[h.points.length - 1];
      if (!this.tracked.has(id) && (!last || last.at < cutoff)) this.histories.delete(id);
    }
    return [...this.histories.values()];
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.tracked.values()].map(async (t) => {
      await closeAdmin(t);
      await t.pause.settled();
    }));
    this.tracked.clear();
  }

  // ---- sampling ----

  private pausable(t: Tracked): boolean {
    const range = t.gauge.scaling;
    // A writer that streams to replicas stays up: stopping it would cut their replication, and on
    // Aurora the shared storage keeps readers independent of it, which local standbys are not.
    return range.minCapacity === 0 && range.secondsUntilAutoPause !== undefined && !this.host.hasStandbys(t.instanceId);
  }

  private tick(): void {
    for (const t of this.tracked.values()) {
      if (t.sampling) continue;
      t.sampling = true;
      this.sample(t)
        .catch(() => closeAdmin(t))
        .finally(() => {
          t.sampling = false;
        });
    }
  }

  private async sample(t: Tracked): Promise<void> {
    const now = Date.now();
    if (t.pause.asleep) {
      t.gauge.record(now, 0);
      return;
    }
    const server = this.host.server(t.instanceId);
    if (t.pause.state !== 'running' || !server?.isRunning() || server.pid === undefined) {
      // Resuming, rebooting or failing over: no reading, and the CPU baseline starts again.
      t.cpu = undefined;
      return;
    }
    t.sessions ??= this.host.sessions?.(t.instanceId, server) ?? defaultSessions(server);
    const counts = await t.sessions.sample();
    const ticks = new Map<number, number>();
    for (const pid of [server.pid, ...counts.pids]) {
      const v = cpuTicks(pid);
      if (v !== undefined) ticks.set(pid, v);
    }
    const at = Date.now();
    const busyCores = t.cpu ? busyCoresBetween(t.cpu.ticks, ticks, at - t.cpu.at) : 0;
    t.cpu = { at, ticks };
    t.gauge.update({ activeSessions: counts.active, busyCores }, at);
    this.considerPause(t, counts.tcp, at);
  }

  /** Connections over the admin socket (the local plane's own set-up) do not keep an instance awake. */
  private considerPause(t: Tracked, tcpClients: number, now: number): void {
    const range = t.gauge.scaling;
    if (!this.pausable(t) || t.pause.held || tcpClients > 0 || this.host.proxiedConnections(t.instanceId) > 0) {
      t.pause.touch();
      return;
    }
    t.pause.idleSince ??= now;
    const idleMs = now - t.pause.idleSince;
    if (idleMs < range.secondsUntilAutoPause! * 1000 * this.timeScale) return;
    void closeAdmin(t).then(() => {
      // Checked again after the await: a connection may have come through an endpoint meanwhile.
      if (t.pause.idleSince === undefined || this.host.proxiedConnections(t.instanceId) > 0 || !this.tracked.has(t.instanceId)) return;
      t.gauge.record(Date.now(), 0);
      return t.pause.pause(idleMs);
    });
  }
}

/** PostgreSQL's session source, read from the server's admin socket; other engines' come from the host. */
function defaultSessions(server: InstanceServer): SessionSource {
  if (server.engine !== 'postgres') {
    throw new LocalTargetError(`Serverless v2 cannot sample the sessions of ${server.instanceId}: no session source for its engine (${server.engine}).`, {
      code: 'LOCAL_SERVERLESS_NO_SESSIONS',
      hint: 'give the ServerlessHost a sessions() callback for this engine (engines/mysql/sessions.ts for MySQL)',
    });
  }
  const pgServer = server as PgServer;
  return pgSessionSource(() => pgServer.socket);
}

async function closeAdmin(t: Tracked): Promise<void> {
  const c = t.sessions;
  t.sessions = undefined;
  t.cpu = undefined;
  if (c) await c.close().catch(() => undefined);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
