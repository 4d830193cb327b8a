/**
 * What every operation handler works with: the state, the clock, the delays, the optional data plane,
 * and the in-memory bookkeeping of data-plane work in flight.
 */
import type { DataPlane } from '../data-plane.js';
import type { SimCall, SimError } from '../types.js';
import { awsDurationMs, type TimedKind } from './aws-timing.js';
import type { Effect, SimState, Tag, TimelineEntry, Transition } from './state.js';

/** How long each kind of change takes, in ms of the model's clock. */
export interface SimDelays {
  create: number;
  delete: number;
  modify: number;
  failover: number;
  reboot: number;
  snapshot: number;
  stop: number;
  start: number;
  switchover: number;
  /** How long the tagging API keeps returning a deleted resource. */
  taggingLag: number;
}

export const DEFAULT_DELAYS: SimDelays = {
  create: 0,
  delete: 0,
  modify: 0,
  failover: 0,
  reboot: 0,
  snapshot: 0,
  stop: 0,
  start: 0,
  switchover: 0,
  taggingLag: 60_000,
};

/** Which configured delay a timed transition takes outside the simulated-AWS timing mode. */
const INSTANT_DELAY: Record<TimedKind, keyof SimDelays> = {
  'cluster-create': 'create',
  'instance-create': 'create',
  'rds-instance-create': 'create',
  'cluster-restore': 'create',
  'cluster-snapshot': 'snapshot',
  'db-snapshot': 'snapshot',
  failover: 'failover',
  'global-create': 'create',
  'global-secondary-create': 'create',
  'global-switchover': 'switchover',
  'global-failover': 'failover',
  'global-detach': 'modify',
  'serverless-resume': 'start',
  'cluster-modify': 'modify',
  'instance-modify': 'modify',
  reboot: 'reboot',
  stop: 'stop',
  start: 'start',
  'instance-delete': 'delete',
  'cluster-delete': 'delete',
  'snapshot-delete': 'delete',
  'global-delete': 'delete',
};

/** What a timed transition waits for besides the resource's own previous one. */
export interface TimedDeps {
  /** Resources whose latest transition must finish first (an instance's cluster, a restore's snapshot). */
  after?: { arn: string }[];
  /** The resource this one belongs to: deleting that parent waits for it (see `children`). */
  parentArn?: string;
  /** Wait for the latest transition of every resource whose parent is this ARN (a cluster's instances). */
  afterChildrenOf?: string;
}

/** AWS's default service quotas, lowered in tests to reach the quota errors. */
export interface SimQuotas {
  clustersPerRegion: number;
  instancesPerRegion: number;
  manualSnapshotsPerRegion: number;
  globalClusters: number;
}

export const DEFAULT_QUOTAS: SimQuotas = {
  clustersPerRegion: 40,
  instancesPerRegion: 40,
  manualSnapshotsPerRegion: 100,
  globalClusters: 5,
};

export interface MetricQuery {
  region: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  start: Date;
  end: Date;
  periodSeconds: number;
  stat: string;
}

/** The statistics GetMetricStatistics can ask for. */
export type MetricStatistic = 'Maximum' | 'Minimum' | 'Average' | 'Sum' | 'SampleCount';

export interface MetricSeries {
  timestamps: Date[];
  /** The statistic the query asked for (MetricQuery.stat), per timestamp. */
  values: number[];
  /**
   * Every statistic of each period, aligned with timestamps, when the provider aggregates real samples:
   * GetMetricStatistics answers each requested statistic from it. Without it, every statistic is `values`.
   */
  statistics?: Partial<Record<MetricStatistic, number>>[];
}

/** Real CloudWatch-like data (the local target measures it); undefined falls back to the synthesized series. */
export type MetricsProvider = (query: MetricQuery) => MetricSeries | undefined | Promise<MetricSeries | undefined>;

export interface PiQuery {
  region: string;
  /** The instance's DbiResourceId. */
  resourceId: string;
  instanceId: string;
  metric: string;
  groupBy?: string;
  start: Date;
  end: Date;
  periodSeconds: number;
  limit: number;
}

export interface PiDimensionKey {
  dimensions: Record<string, string>;
  total: number;
  /** Per-period values (aligned with the series of the grouped metric). */
  values?: number[];
}

/** Real Performance Insights data (for example from pg_stat_statements); undefined falls back to synthesized data. */
export interface PiProvider {
  load(query: PiQuery): { timestamps: Date[]; values: number[]; keys: PiDimensionKey[] } | undefined | Promise<
    { timestamps: Date[]; values: number[]; keys: PiDimensionKey[] } | undefined
  >;
}

/**
 * A log group's real events, by stream (the local target reads its servers' logs); undefined: the
 * model's own. `instances` says which instance writes each stream, with its monitoring interval.
 */
export type LogsProvider = (query: {
  region: string;
  logGroupName: string;
  streams: string[];
  instances: Record<string, { instanceId: string; engine: string; resourceId: string; monitoringInterval?: number }>;
}) =>
  | Record<string, { timestamp: number; message: string }[]>
  | undefined
  | Promise<Record<string, { timestamp: number; message: string }[]> | undefined>;

export interface SimCloudOptions {
  accountId?: string;
  now?: () => number;
  delays?: Partial<SimDelays>;
  quotas?: Partial<SimQuotas>;
  dataPlane?: DataPlane;
  /** Consulted before every call; an error it returns is thrown (fault tests: throttling, 5xx). */
  inject?: (call: SimCall) => SimError | undefined;
  /** 'aws': transitions take AWS's typical durations (aws-timing.ts) and are recorded on a timeline. */
  timing?: 'instant' | 'aws';
  /** In the AWS timing mode, durations (ms) to use instead of AWS_TIMINGS (tests: a slow failover). */
  awsDurations?: Partial<Record<TimedKind, number>>;
  metrics?: MetricsProvider;
  pi?: PiProvider;
  logs?: LogsProvider;
}

interface PendingOp {
  settled: boolean;
  error?: string;
}

/**
 * The order of data-plane calls on one chain. Calls run one after another, except that consecutive
 * calls of the same parallel group (a cluster's readers being created, its members being deleted) run
 * together once everything before them has settled; the next call waits for all of them.
 */
interface ChainState {
  /** Settles when every call queued so far has settled. */
  tail: Promise<unknown>;
  /** The group the last calls belong to, and what they waited for. */
  group?: string;
  groupBase?: Promise<unknown>;
  groupMembers?: Promise<unknown>[];
}

export class Runtime {
  readonly delays: SimDelays;
  readonly quotas: SimQuotas;
  readonly now: () => number;
  readonly dataPlane?: DataPlane;
  readonly metrics?: MetricsProvider;
  readonly pi?: PiProvider;
  readonly logs?: LogsProvider;
  readonly timing: 'instant' | 'aws';
  private readonly awsDurations: Partial<Record<TimedKind, number>>;
  /** Data-plane work in flight, by gate key. Never persisted. */
  private readonly ops = new Map<string, PendingOp>();
  /** Data-plane calls on one cluster (or standalone instance) run one after another (see ChainState). */
  private readonly chains = new Map<string, ChainState>();

  constructor(
    public state: SimState,
    options: SimCloudOptions,
  ) {
    this.delays = { ...DEFAULT_DELAYS, ...options.delays };
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.now = options.now ?? Date.now;
    this.dataPlane = options.dataPlane;
    this.metrics = options.metrics;
    this.pi = options.pi;
    this.logs = options.logs;
    this.timing = options.timing ?? 'instant';
    this.awsDurations = options.awsDurations ?? {};
  }

  /**
   * The delay of a transition of `kind` on `rec`. Outside the AWS timing mode it is the configured
   * delay. In it, the figure is AWS's (aws-timing.ts), the transition cannot finish before what it
   * depends on has finished (as an instance of a cluster still being created), and it is recorded
   * on the timeline the critical path is computed from.
   */
  timed(kind: TimedKind, rec: { arn: string }, deps: TimedDeps = {}): number {
    if (this.timing !== 'aws') return this.delays[INSTANT_DELAY[kind]];
    const timeline = (this.state.timeline ??= []);
    const latest = new Map<string, TimelineEntry>();
    for (const e of timeline) latest.set(e.arn, e);
    const after = new Set<TimelineEntry>();
    for (const arn of [rec.arn, ...(deps.after ?? []).map((d) => d.arn)]) {
      const e = latest.get(arn);
      if (e) after.add(e);
    }
    if (deps.afterChildrenOf) for (const e of latest.values()) if (e.parentArn === deps.afterChildrenOf) after.add(e);
    // A resource stays its parent's (an instance's deletion still counts for its cluster's).
    const parentArn = deps.parentArn ?? latest.get(rec.arn)?.parentArn;
    const now = this.now();
    const durationMs = this.awsDurations[kind] ?? awsDurationMs(kind);
    const start = Math.max(now, ...[...after].map((e) => e.readyAt));
    const entry: TimelineEntry = {
      seq: timeline.length,
      arn: rec.arn,
      kind,
      ...(parentArn ? { parentArn } : {}),
      calledAt: now,
      readyAt: start + durationMs,
      durationMs,
      after: [...after].map((e) => e.seq),
    };
    timeline.push(entry);
    return entry.readyAt - now;
  }

  get accountId(): string {
    return this.state.accountId;
  }

  /**
   * Start a data-plane call, queued behind earlier calls on the same chain. `apply` runs when it
   * resolves (the resource may be gone by then: apply looks it up again). Returns the gate key a
   * transition waits on, or undefined without a data plane. With `parallelGroup`, it runs alongside
   * the calls of the same group queued right before it (they all wait for what came before them).
   */
  runDataPlane<T>(
    chain: string,
    resource: string,
    operation: string,
    work: (dp: DataPlane) => Promise<T>,
    apply?: (result: T) => void,
    parallelGroup?: string,
  ): string | undefined {
    const dp = this.dataPlane;
    if (!dp) return undefined;
    const gate = `${operation}:${resource}:${this.ops.size}:${this.now()}:${Math.random()}`;
    const op: PendingOp = { settled: false };
    this.ops.set(gate, op);
    const state = this.chains.get(chain) ?? { tail: Promise.resolve() };
    const joins = parallelGroup !== undefined && state.group === parallelGroup;
    const previous = joins ? state.groupBase! : state.tail;
    const next = previous
      .catch(() => undefined)
      .then(() => work(dp))
      .then(
        (result) => {
          op.settled = true;
          apply?.(result);
        },
        (err: unknown) => {
          op.settled = true;
          op.error = err instanceof Error ? err.message : String(err);
          this.state.failures.push({ resource, operation, message: op.error, at: this.now() });
        },
      );
    if (joins) {
      state.groupMembers!.push(next);
      state.tail = Promise.all(state.groupMembers!);
    } else if (parallelGroup !== undefined) {
      this.chains.set(chain, { tail: next, group: parallelGroup, groupBase: previous, groupMembers: [next] });
    } else {
      this.chains.set(chain, { tail: next });
    }
    return gate;
  }

  /** undefined: still running; null: done (or unknown after a restore); string: failed with that message. */
  gateResult(gate: string | undefined): undefined | null | string {
    if (!gate) return null;
    const op = this.ops.get(gate);
    if (!op) return null;
    if (!op.settled) return undefined;
    return op.error ?? null;
  }

  /** Resolves when every data-plane call started so far has settled (tests and the local server's shutdown). */
  async idle(): Promise<void> {
    while ([...this.ops.values()].some((op) => !op.settled)) {
      await Promise.all([...this.chains.values()].map((c) => c.tail.catch(() => undefined)));
    }
  }

  schedule(
    rec: { status: string; pending?: Transition },
    during: string,
    then: string,
    delay: number,
    effect: Effect = { kind: 'none' },
    gate?: string,
    failStatus = 'failed',
  ): void {
    rec.status = during;
    rec.pending = { status: then, readyAt: this.now() + delay, effect, failStatus, ...(gate ? { gate } : {}) };
  }

  tombstone(arn: string, region: string, resourceType: string, tags: Tag[]): void {
    this.state.tombstones.push({ arn, region, resourceType, tags: tags.map((t) => ({ ...t })), deletedAt: this.now() });
  }
}

export type Input = Record<string, unknown>;
export type Output = Record<string, unknown>;
export type Handler = (rt: Runtime, input: Input, region: string) => Output | Promise<Output>;
