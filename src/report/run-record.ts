/** Reading a run's record for the charts: its series, its start, a step's span, a count as stored. */
import type { ReportInput } from './report-data.js';

/** A count as recorded: MySQL drivers may give a bigint as a string. */
export function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

export function series(input: ReportInput, name: string): unknown[] | undefined {
  return input.state.series?.[name]?.values;
}

export const runStart = (input: ReportInput) => Date.parse(input.state.createdAt);

/** When a step that finished ran, in epoch ms; undefined for one that did not finish. */
export function stepSpan(input: ReportInput, stepId: string): [number, number] | undefined {
  const rec = input.state.steps[stepId];
  if (!rec?.endedAt || rec.status !== 'done') return undefined;
  return [Date.parse(rec.startedAt), Date.parse(rec.endedAt)];
}

/** A finished step as a shaded band on an axis that starts with the run (none when it did not finish). */
export function stepBand(input: ReportInput, stepId: string, label: string) {
  const span = stepSpan(input, stepId);
  if (!span) return [];
  const t0 = runStart(input);
  return [{ from: span[0] - t0, to: span[1] - t0, label }];
}
