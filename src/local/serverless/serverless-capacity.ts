/**
 * The capacity of one local Serverless v2 instance: a figure in ACUs between the cluster's MinCapacity
 * and MaxCapacity, in 0.5 ACU steps, moved by the load measured on its PostgreSQL processes, with the
 * history CloudWatch answers from.
 *
 * An ACU is about 2 GiB of memory with matching CPU; a 2-vCPU instance with 16 GiB corresponds to 8
 * ACU, so a core kept busy is taken as 4 ACU of demand, and each running statement adds 0.5 ACU (the
 * memory a session works with). Capacity rises to the demand at once and gives it back gradually.
 */
import { readFileSync } from 'node:fs';
import type { ServerlessScaling } from '../../sim/data-plane.js';

export const ACU_PER_BUSY_CORE = 4;
export const ACU_PER_ACTIVE_SESSION = 0.5;
/** A running instance never goes below this, even with MinCapacity 0 (0 means paused). */
export const LOWEST_RUNNING_ACU = 0.5;
/**
 * Seconds (before the time scale) between two 0.5 ACU steps down: from 8 ACU to the bottom in about
 * 2.5 minutes, well inside the shortest SecondsUntilAutoPause (300), so an idle instance reaches the
 * bottom of its range before it pauses.
 */
export const SCALE_DOWN_STEP_SECONDS = 10;
/** CloudWatch keeps more, but the labs never look further back than an hour. */
export const HISTORY_MS = 3_600_000;

export interface LoadSample {
  /** Client sessions running a statement. */
  activeSessions: number;
  /** CPU used by the instance's processes since the last sample, in cores (1 = one core busy). */
  busyCores: number;
}

export interface CapacityPoint {
  at: number;
  acu: number;
}

/** Round up to the next 0.5 ACU. */
export function halfSteps(acu: number): number {
  return Math.max(0, Math.ceil(acu * 2 - 1e-9) / 2);
}

export function demandAcu(load: LoadSample): number {
  return halfSteps(load.busyCores * ACU_PER_BUSY_CORE + load.activeSessions * ACU_PER_ACTIVE_SESSION);
}

export class CapacityGauge {
  private current: number;
  private lastStepDown = 0;
  readonly history: CapacityPoint[] = [];

  constructor(
    private range: ServerlessScaling,
    /** Multiplies the scale-down pace (see SCALE_DOWN_STEP_SECONDS). */
    private readonly timeScale: number,
  ) {
    this.current = this.floor();
  }

  get acu(): number {
    return this.current;
  }

  get scaling(): ServerlessScaling {
    return this.range;
  }

  setRange(range: ServerlessScaling): void {
    this.range = range;
    this.current = Math.min(range.maxCapacity, Math.max(this.floor(), this.current));
  }

  private floor(): number {
    return Math.max(this.range.minCapacity, LOWEST_RUNNING_ACU);
  }

  /** The capacity after a load sample taken at `now` (ms). */
  update(load: LoadSample, now: number): number {
    const target = Math.min(this.range.maxCapacity, Math.max(this.floor(), demandAcu(load)));
    if (target >= this.current) {
      this.current = target;
      // The pace of a scale-down counts from when it starts.
      this.lastStepDown = now;
    } else {
      const stepMs = SCALE_DOWN_STEP_SECONDS * 1000 * this.timeScale;
      // Scaled down far enough, several steps fall between two samples.
      const steps = Math.floor((now - this.lastStepDown) / stepMs);
      if (steps > 0) {
        this.current = Math.max(target, this.current - 0.5 * steps);
        this.lastStepDown += steps * stepMs;
      }
    }
    this.record(now, this.current);
    return this.current;
  }

  /** A resumed instance starts again at the bottom of its range. */
  reset(now: number): void {
    this.current = this.floor();
    this.lastStepDown = now;
  }

  /** Record a point without load (0 while paused). */
  record(now: number, acu: number): void {
    this.history.push({ at: now, acu });
    while (this.history.length > 0 && this.history[0]!.at < now - HISTORY_MS) this.history.shift();
  }
}

/** CPU time (user + system) a process has used, in clock ticks; undefined once it is gone. */
export function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined;
  }
}

/** Linux reports CPU times in USER_HZ, which is 100 on every architecture Node runs on. */
export const TICKS_PER_SECOND = 100;

/**
 * Busy cores between two readings of the same processes. A process missing from the earlier reading
 * started since: all of its CPU time falls in the interval.
 */
export function busyCoresBetween(before: Map<number, number>, after: Map<number, number>, elapsedMs: number): number {
  if (elapsedMs <= 0) return 0;
  let ticks = 0;
  for (const [pid, t] of after) ticks += Math.max(0, t - (before.get(pid) ?? 0));
  return ticks / TICKS_PER_SECOND / (elapsedMs / 1000);
}
