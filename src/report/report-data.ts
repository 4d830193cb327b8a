/** Everything a run's report shows, read from its run directory: state, the lab as run, probe timelines. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runDocument, type RunDocument } from '../engine/result.js';
import { buildContext } from '../engine/context.js';
import { reportLines, storedCapabilities } from '../engine/report-lines.js';
import type { TargetCapabilities } from '../engine/target.js';
import { renderProse } from '../labs/prose.js';
import { parseLab } from '../labs/loader.js';
import type { Lab } from '../labs/schema.js';
import type { ProbeReport, Timeline } from '../sql/timeline.js';
import { runDir } from '../state/paths.js';
import { readState, type RunState } from '../state/run-state.js';

export interface ProbeFile {
  report: ProbeReport & Record<string, unknown>;
  timeline: Timeline & Record<string, unknown>;
}

export interface ReportInput {
  state: RunState;
  lab: Lab;
  doc: RunDocument;
  /** The lab's report lines rendered with the run's figures. */
  facts: string[];
  /** Probe timelines saved by probe-stop steps, by probe name. */
  probes: Record<string, ProbeFile>;
  dir: string;
  /** A step's prose (title, explain, notice) with the run's values in place of its templates. */
  prose?: (text: string) => string;
}

export async function loadReportInput(runId: string): Promise<ReportInput> {
  const state = await readState(runId);
  const dir = runDir(runId);
  const lab = parseLab(await readFile(path.join(dir, 'lab.yaml'), 'utf8'), state.labFile);
  const target = { name: state.target, capabilities: storedCapabilities(state.target) };
  const facts = reportLines(lab, state, target);
  // Titles and explanations as the learner read them during the run, not as templates.
  const ctx = buildContext(lab, state, target as { name: typeof state.target; capabilities: TargetCapabilities });
  const prose = (text: string) => renderProse(text, ctx);
  const titles = Object.fromEntries(lab.steps.map((st) => [st.id, prose(st.title)]));
  const probes: Record<string, ProbeFile> = {};
  for (const step of lab.steps) {
    if (step.kind !== 'probe-stop') continue;
    const text = await readFile(path.join(dir, `probe-${step.probe}.json`), 'utf8').catch(() => undefined);
    if (!text) continue;
    try {
      const parsed = JSON.parse(text) as ProbeFile;
      if (parsed.timeline && Array.isArray(parsed.timeline.events) && parsed.report) probes[step.probe] = parsed;
    } catch {
      // A probe file cut short is reported as not measured, like a missing one.
    }
  }
  return { state, lab, doc: runDocument(lab, state, facts, undefined, titles), facts, probes, dir, prose };
}
