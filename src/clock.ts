/**
 * The time the waits see. On AWS and the local target it is the system clock. The dry run never
 * sleeps on it: its simulated-AWS timing mode gives every wait a virtual clock, so that a lab "takes"
 * its real AWS time (minutes of instance creation, polls 15 s apart) in about a second of real time;
 * its instant mode a flowing one (real time passes, a sleep with nothing else to do is skipped), so
 * that a wait for simulated data (Performance Insights past a window) costs no real time either.
 */
import { sleep } from './sql/timeout.js';

export interface Clock {
  now(): number;
  /** Resolves after `ms` on this clock, or at once when the signal aborts (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Runs real asynchronous work (a simulated call, a state save) during which this clock must not
   * move: a virtual clock advances only while every task is asleep on it.
   */
  during<T>(work: () => Promise<T>): Promise<T>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep,
  during: (work) => work(),
};

interface Sleeper {
  at: number;
  seq: number;
  wake(): void;
}

/** Monotonic (unlike Date.now(), which NTP may set back), in whole ms since the epoch like Date.now(). */
const monotonicMs = (): number => Math.floor(performance.timeOrigin + performance.now());

export interface VirtualClockOptions {
  /**
   * Time also passes with the real (monotonic) clock, and a jump only skips the rest of a sleep that
   * nothing else is running during: durations of real work stay real, waits cost no real time.
   */
  flowing?: boolean;
}

/**
 * A discrete-event clock. Sleepers are woken in time order, one instant at a time, and only when no
 * work registered through `during` is running and the event loop has had a turn: parallel waits (three
 * instances polled together) then interleave on the virtual clock as they would on the real one.
 */
export class VirtualClock implements Clock {
  /** now() is real() + offset; real() is 0 for a clock that stands still between jumps. */
  private readonly real: () => number;
  private offset: number;
  private seq = 0;
  private busy = 0;
  private sleepers: Sleeper[] = [];
  private scheduled = false;

  constructor(startMs: number, opts: VirtualClockOptions = {}) {
    this.real = opts.flowing ? monotonicMs : () => 0;
    this.offset = startMs - this.real();
  }

  now(): number {
    return this.real() + this.offset;
  }

  /** now() less the real clock: for a flowing clock, how far the sleeps it skipped put it ahead. */
  get offsetMs(): number {
    return this.offset;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        at: this.now() + Math.max(0, ms),
        seq: this.seq++,
        wake: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
      this.schedule();
    });
  }

  async during<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    try {
      return await work();
    } finally {
      this.busy--;
      this.schedule();
    }
  }

  private schedule(): void {
    if (this.scheduled || this.sleepers.length === 0 || this.busy > 0) return;
    this.scheduled = true;
    // Two turns of the event loop: continuations of work that just ended get to register their sleeps.
    setImmediate(() =>
      setImmediate(() => {
        this.scheduled = false;
        this.step();
      }),
    );
  }

  private step(): void {
    if (this.busy > 0 || this.sleepers.length === 0) return;
    this.sleepers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    const at = this.sleepers[0]!.at;
    this.offset += Math.max(0, at - this.now());
    const t = this.now();
    const due = this.sleepers.filter((s) => s.at <= t);
    this.sleepers = this.sleepers.filter((s) => s.at > t);
    for (const s of due) s.wake();
    this.schedule();
  }
}
