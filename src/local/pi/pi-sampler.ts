/**
 * Performance Insights' sampling for one local instance, whatever its engine: about once a second it
 * reads the engine's statement statistics through a StatementSource (statement-source.ts) and keeps,
 * per statement, the execution time spent in the interval. Time in ms over the interval in ms is the
 * statement's share of db.load.avg (average active sessions).
 *
 * Engines count a statement only when it ends, so a 20 s statement would land as 20 s in one second.
 * The sampler also books a running statement's time in the interval it was running; when the
 * statement's counter later grows, the time already booked is taken off the growth (the "debt"), so
 * every millisecond is counted once. Where the engine names a running statement only once it has
 * ended (MySQL's digest), the time booked under the provisional key is re-attributed by an alias.
 */
import type { RunningStatement, SampledStatement, StatementSource, WaitEvent } from './statement-source.js';

export type { SampledStatement, StatementSource, WaitEvent } from './statement-source.js';

/** Execution time (ms) per statement key over [endMs - spanMs, endMs]. */
export interface PiSample {
  endMs: number;
  spanMs: number;
  load: Map<string, number>;
  /**
   * The waits of the sessions seen running at this read: statement key -> wait key (waitKey()) -> how
   * many sessions. PI's db.wait_event splits a statement's load of the sample in these proportions.
   */
  waits?: Map<string, Map<string, number>>;
}

/** A wait as one key: type and name, which PI shows as db.wait_event.type and db.wait_event.name. */
export const waitKey = (w: WaitEvent): string => `${w.type}\u0000${w.name}`;
export const waitOfKey = (key: string): WaitEvent => {
  const [type, name] = key.split('\u0000');
  return { type: type!, name: name ?? type! };
};

export interface PiSamplerOptions {
  instanceId: string;
  source: StatementSource;
  intervalMs?: number;
  retentionMs?: number;
  now?: () => number;
  /** Told about a failed read (the server restarting, the statistics not ready yet). */
  onError?: (err: unknown) => void;
}

/** A booked running time not matched by counter growth within this long is forgotten (a reset counter). */
const DEBT_TTL_MS = 60_000;
/**
 * An ended execution the source could not settle yet (MySQL writes a statement's history row as it
 * ends, which a read can see a moment before) is asked about again at each read for this long; after
 * it, its time stays under its provisional key.
 */
const SETTLE_GRACE_MS = 10_000;

interface Running {
  key: string;
  booked: number;
  /** The key is provisional (see RunningStatement.pending). */
  pending: boolean;
}

export class PiSampler {
  readonly instanceId: string;
  private readonly opts: Required<Omit<PiSamplerOptions, 'onError'>> & Pick<PiSamplerOptions, 'onError'>;
  private readonly source: StatementSource;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private ticking?: Promise<void>;
  private readonly history: PiSample[] = [];
  private readonly known = new Map<string, SampledStatement>();
  /** Known only from a running execution (not seen finished yet): a provisional name, until it ends. */
  private readonly provisional = new Set<string>();
  /** Provisional key -> the key its executions turned out to have (MySQL's digest). */
  private readonly aliases = new Map<string, string>();
  /** Reads run one at a time: the timer's and those asked for by refresh(). */
  private chain: Promise<void> = Promise.resolve();
  /** Keys that are the sampler's or the admin's own statements. */
  private readonly ignored = new Set<string>();
  /** Total execution time per key at the last read; undefined until the first read (the baseline). */
  private counters?: Map<string, number>;
  private lastAt?: number;
  private lastServerNow?: number;
  private running = new Map<string, Running>();
  /** Executions that ended with a provisional key the source could not settle yet, and when they ended. */
  private unsettled: { exec: string; run: Running; endedAt: number }[] = [];
  /** Running time already booked for executions that have ended, not yet matched by counter growth. */
  private debts: { key: string; ms: number; at: number }[] = [];

  constructor(options: PiSamplerOptions) {
    this.instanceId = options.instanceId;
    this.source = options.source;
    this.opts = { intervalMs: 1000, retentionMs: 3_600_000, now: Date.now, ...options };
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const loop = () => {
      this.ticking = this.refresh().finally(() => {
        if (!this.stopped) this.timer = setTimeout(loop, this.opts.intervalMs).unref();
      });
    };
    this.timer = setTimeout(loop, 0).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.ticking?.catch(() => undefined);
    await this.source.close().catch(() => undefined);
  }

  /** Samples of the last retention period, oldest first. */
  samples(): readonly PiSample[] {
    return this.history;
  }

  /** The statement a sampled key stands for (a provisional key: the statement it turned out to be). */
  statement(key: string): SampledStatement | undefined {
    const real = this.aliases.get(key);
    return (real !== undefined ? this.known.get(real) : undefined) ?? this.known.get(key);
  }

  /** Read now (after any read in progress), so an answer includes statements that have just ended. */
  refresh(): Promise<void> {
    const run = this.chain.then(() => (this.stopped ? undefined : this.tick()));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** One read; the first only sets the baseline (statistics from before PI was on are not load). */
  private async tick(): Promise<void> {
    try {
      const read = await this.source.read();
      const now = this.opts.now();
      const current = read.counters;
      await this.learn([...current.keys()].filter((k) => (!this.known.has(k) || this.provisional.has(k)) && !this.ignored.has(k)));
      for (const r of read.running) this.nameProvisionally(r);
      const ended = await this.ended(read.running, now);
      if (this.counters && this.lastAt !== undefined) {
        this.record(now, current, read.running, read.nowMs, ended);
      } else {
        this.book(read.running, read.nowMs, undefined);
      }
      this.counters = current;
      this.lastAt = now;
      this.lastServerNow = read.nowMs;
    } catch (err) {
      this.opts.onError?.(err);
      await this.source.close().catch(() => undefined);
    }
  }

  private record(now: number, current: Map<string, number>, running: RunningStatement[], serverNow: number, ended: Running[]): void {
    const load = new Map<string, number>();
    const add = (key: string, ms: number) => {
      if (ms > 0 && !this.ignored.has(key)) load.set(key, (load.get(key) ?? 0) + ms);
    };
    this.book(running, serverNow, add);
    for (const e of ended) this.debts.push({ key: e.key, ms: e.booked, at: now });
    for (const [key, total] of current) {
      const before = this.counters!.get(key);
      // A counter that went down was reset (pg_stat_statements_reset, TRUNCATE, a crash): it counts from zero.
      let grown = before === undefined || total < before ? total : total - before;
      for (const d of this.debts) {
        if (d.key !== key || grown <= 0) continue;
        const paid = Math.min(d.ms, grown);
        d.ms -= paid;
        grown -= paid;
      }
      add(key, grown);
    }
    this.debts = this.debts.filter((d) => d.ms > 0.001 && now - d.at < DEBT_TTL_MS);
    const waits = waitsOf(running, this.ignored);
    this.history.push({ endMs: now, spanMs: now - this.lastAt!, load, ...(waits.size > 0 ? { waits } : {}) });
    const horizon = now - this.opts.retentionMs;
    while (this.history.length > 0 && this.history[0]!.endMs < horizon) this.history.shift();
  }

  /** Book running statements' time since the last read (with add; without it only track them). */
  private book(running: RunningStatement[], serverNow: number, add: ((key: string, ms: number) => void) | undefined): void {
    const next = new Map<string, Running>();
    for (const r of running) {
      const run = this.running.get(r.exec) ?? { key: r.key, booked: 0, pending: r.pending === true };
      if (add && !this.ignored.has(r.key)) {
        const from = Math.max(r.startedMs, this.lastServerNow ?? serverNow);
        const ms = Math.max(0, serverNow - from);
        add(r.key, ms);
        run.booked += ms;
      }
      next.set(r.exec, run);
    }
    this.running = next;
  }

  /**
   * The executions tracked at the last read that are no longer running, under the keys they really had.
   * One the source cannot settle yet waits (up to SETTLE_GRACE_MS) for a later read, so its booked
   * time becomes a debt of the key it really had, not of a provisional key no counter will ever pay.
   */
  private async ended(running: RunningStatement[], now: number): Promise<Running[]> {
    const still = new Set(running.map((r) => r.exec));
    const ended = [...this.running].filter(([exec]) => !still.has(exec));
    const waiting = [...this.unsettled, ...ended.filter(([, r]) => r.pending).map(([exec, run]) => ({ exec, run, endedAt: now }))];
    const out = ended.filter(([, r]) => !r.pending).map(([, r]) => r);
    if (!this.source.settle || waiting.length === 0) return [...out, ...waiting.map((w) => w.run)];
    const settled = await this.source.settle(waiting.map((w) => w.exec));
    this.unsettled = [];
    for (const w of waiting) {
      const real = settled.get(w.exec);
      if (real === undefined) {
        if (now - w.endedAt < SETTLE_GRACE_MS) this.unsettled.push(w);
        else out.push(w.run);
        continue;
      }
      if (real !== w.run.key) this.aliases.set(w.run.key, real);
      w.run.key = real;
      w.run.pending = false;
      out.push(w.run);
    }
    return out;
  }

  private nameProvisionally(r: RunningStatement): void {
    if (!r.provisional || this.known.has(r.key) || this.ignored.has(r.key)) return;
    this.known.set(r.key, r.provisional);
    this.provisional.add(r.key);
  }

  private async learn(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const { statements, ignored } = await this.source.describe(keys);
    for (const key of ignored) this.ignored.add(key);
    for (const s of statements) {
      this.known.set(s.key, s);
      this.provisional.delete(s.key);
    }
  }
}

function waitsOf(running: RunningStatement[], ignored: Set<string>): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of running) {
    if (!r.wait || ignored.has(r.key)) continue;
    const byWait = out.get(r.key) ?? new Map<string, number>();
    byWait.set(waitKey(r.wait), (byWait.get(waitKey(r.wait)) ?? 0) + 1);
    out.set(r.key, byWait);
  }
  return out;
}
