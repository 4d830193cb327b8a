/** Timestamps arrive as Date (in-process) or as strings and numbers (decoded from the wire). */
import { invalidValue } from './errors.js';

export function toMillis(value: unknown, name: string): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value < 1e12 ? value * 1000 : value;
  if (typeof value === 'string') {
    const n = Number(value);
    const ms = Number.isFinite(n) ? (n < 1e12 ? n * 1000 : n) : Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  invalidValue(`${name} must be a timestamp.`);
}

/** Period starts from `start` to `end` (inclusive of the first, exclusive of the last), at most `max` of them. */
export function periods(startMs: number, endMs: number, periodSeconds: number, max = 1440): number[] {
  const step = Math.max(1, periodSeconds) * 1000;
  const first = Math.ceil(startMs / step) * step;
  const out: number[] = [];
  for (let t = first; t < endMs && out.length < max; t += step) out.push(t);
  return out;
}
