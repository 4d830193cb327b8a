/** What a lab's chart section holds: a drawn chart with its caption, or why there is none. */
export type ChartBlock =
  | { title: string; svg: string; caption: string; figures?: [string, string][] }
  | { title: string; notMeasured: string };

export const DRY_RUN_REASON =
  'not measured: a dry run simulates the control plane only; no database ran, and its CloudWatch and Performance Insights figures are synthesized. Run with --local or on AWS to draw this.';

/** Epoch ms of an ISO time or epoch number, or undefined. */
export function epoch(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const n = Date.parse(value);
    return Number.isNaN(n) ? undefined : n;
  }
  return undefined;
}
