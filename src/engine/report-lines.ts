/** A lab's report lines rendered with what a run measured (at the end of a run, and for `report` later). */
import { missingValues, renderProse } from '../labs/prose.js';
import type { Lab } from '../labs/schema.js';
import type { RunState } from '../state/run-state.js';
import { buildContext } from './context.js';
import type { TargetCapabilities, TargetName } from './target.js';

export function reportLines(lab: Lab, state: RunState, target: { name: TargetName; capabilities: Pick<TargetCapabilities, 'network' | 'sql'> }): string[] {
  const ctx = buildContext(lab, state, target as { name: TargetName; capabilities: TargetCapabilities });
  const lines: string[] = [];
  for (const line of lab.report ?? []) {
    // A line whose measurement was not taken (a dry run) is left out, not printed half.
    if (missingValues(line, ctx).length > 0) continue;
    lines.push(renderProse(line, ctx));
  }
  return lines;
}

/** What a stored run's target could do, for rendering its lines after the process that ran it is gone. */
export function storedCapabilities(target: TargetName): Pick<TargetCapabilities, 'network' | 'sql'> {
  return { network: target === 'aws', sql: target !== 'dry-run' };
}
