/**
 * A report's input from the trimmed record of a real local run (test/fixtures/reports): the lab as
 * it is in labs/, the run's state and, for global-database, its two probe files. `edit` removes or
 * changes part of the record, to see what the report does without it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runDocument } from '../../src/engine/result.js';
import { labsDir, parseLab } from '../../src/labs/loader.js';
import type { ProbeFile, ReportInput } from '../../src/report/report-data.js';
import type { RunState } from '../../src/state/run-state.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'reports');
const read = (file: string) => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));

export const RECORDED_LABS = ['point-in-time-recovery', 'monitoring', 'global-database', 'performance-insights', 'snapshot-migration'];

export function recorded(labName: string, edit: (s: RunState, probes: Record<string, ProbeFile>) => void = () => {}): ReportInput {
  const lab = parseLab(readFileSync(path.join(labsDir(), `${labName}.yaml`), 'utf8'), `${labName}.yaml`);
  const state = read(`${labName}.state.json`) as RunState;
  const probes: Record<string, ProbeFile> = {};
  if (labName === 'global-database') for (const p of ['oldPrimary', 'target']) probes[p] = read(`global-database.probe-${p}.json`);
  edit(state, probes);
  return { state, lab, doc: runDocument(lab, state, []), facts: [], probes, dir: '/tmp/x' };
}
