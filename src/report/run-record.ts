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

export function stepBand(input: ReportInput, stepId: string, label: string) {
  const rec = input.state.steps[stepId];
  if (!rec?.endedAt || rec.status !== 'done') return [];
  const t0 = runStart(input);
  return [{ from: Date.parse(rec.startedAt) - t0, to: Date.parse(rec.endedAt) - t0, label }];
}
