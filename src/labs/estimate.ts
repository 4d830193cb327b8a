/** Minutes and dollars a lab costs, from its estimate block and the dated price table in labs/prices.json. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Lab } from './schema.js';
import { labsDir } from './loader.js';

export interface PriceTable {
  source: string;
  date: string;
  instanceHour: Record<string, number>;
  acuHour: number;
  minimumBilledMinutesPerInstance: number;
  /** vCPUs of a class: RDS Extended Support is billed per vCPU-hour. */
  vcpus?: Record<string, number>;
  extendedSupport?: { source: string; date: string; vcpuHour: { 'year1-2': number; year3: number } };
}

let cached: PriceTable | undefined;
export function priceTable(): PriceTable {
  cached ??= JSON.parse(readFileSync(path.join(labsDir(), 'prices.json'), 'utf8')) as PriceTable;
  return cached;
}

export interface Estimate {
  minutes: number;
  dollars: number;
  /** How the figure was made, for `show`. */
  basis: string;
}

/** The class the estimate assumes for an engine (the lab's first engine when none is named). */
export function estimateClass(lab: Lab, engine?: string): string {
  const c = lab.estimate.instanceClass;
  if (typeof c === 'string') return c;
  return (c && (c[(engine ?? lab.engines[0]!) as keyof typeof c] ?? Object.values(c)[0])) || 'db.t4g.medium';
}

export function estimateLab(lab: Lab, params: Record<string, unknown> = {}, engine?: string): Estimate {
  const prices = priceTable();
  const e = lab.estimate;
  const cls = String(params.instanceClass || estimateClass(lab, engine));
  const hourly = prices.instanceHour[cls] ?? prices.instanceHour['db.r6g.large']!;
  const billedMinutes = Math.max(e.minutes, prices.minimumBilledMinutesPerInstance);
  const dollars = (e.instances * hourly * billedMinutes) / 60 + (e.acuHours ?? 0) * prices.acuHour;
  return {
    minutes: e.minutes,
    dollars: Math.round(dollars * 100) / 100,
    basis: `${e.instances} × ${cls} at $${hourly}/h for ${billedMinutes} min${e.acuHours ? ` + ${e.acuHours} ACU-h at $${prices.acuHour}` : ''} (prices of ${prices.date})`,
  };
}

/** Dollars accrued so far by instances alive since `since` (for `status`). */
export function accruedDollars(instances: { instanceClass?: string }[], since: string, now = Date.now()): number {
  const prices = priceTable();
  const minutes = Math.max((now - Date.parse(since)) / 60_000, prices.minimumBilledMinutesPerInstance);
  let total = 0;
  for (const i of instances) total += ((prices.instanceHour[i.instanceClass ?? ''] ?? prices.instanceHour['db.r6g.large']!) * minutes) / 60;
  return Math.round(total * 100) / 100;
}
