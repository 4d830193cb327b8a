/**
 * How long a lab takes on AWS, from labs/expected-times.json: the wall time of its dry run on the
 * simulated AWS clock (AWS's typical durations, the waits' real cadence), written by
 * `npm run bench -- --write-expected`. Absent for a lab file the table does not know.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { labsDir } from './loader.js';

export interface ExpectedTime {
  wallMinutes: number;
  criticalPathMinutes: number;
}

interface ExpectedTable {
  source: string;
  date: string;
  labs: Record<string, Record<string, ExpectedTime>>;
}

let cached: ExpectedTable | null | undefined;

function table(): ExpectedTable | null {
  if (cached === undefined) {
    try {
      cached = JSON.parse(readFileSync(path.join(labsDir(), 'expected-times.json'), 'utf8')) as ExpectedTable;
    } catch {
      cached = null;
    }
  }
  return cached;
}

export function expectedTime(lab: string, engine: string): ExpectedTime | undefined {
  return table()?.labs[lab]?.[engine];
}

/** "~20 min (AWS itself needs ~19)" for a summary line, or undefined. */
export function expectedTimeText(lab: string, engine: string): string | undefined {
  const t = expectedTime(lab, engine);
  if (!t) return undefined;
  return `~${Math.round(t.wallMinutes)} min (AWS itself needs ~${Math.round(t.criticalPathMinutes)}; simulated AWS timing)`;
}
