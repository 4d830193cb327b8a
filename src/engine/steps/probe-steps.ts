/**
 * The failover probe: a background workload started by one step and stopped by a later one, which
 * turns its timeline into measurements (outage, reconnects, lost writes) and saves the timeline in the
 * run directory for the learner to look at. Progress goes out as reporter events ('probe.progress'
 * while it runs, 'probe.timeline' when it stops); src/output decides what a terminal shows of them.
 */
import path from 'node:path';
import type { ProbeStartStep, ProbeStopStep } from '../../labs/schema.js';
import { render } from '../../labs/template.js';
import { StateError, UserAbort } from '../../errors.js';
import type { Recovery, RecoveryOptions } from '../../sql/probe.js';
import type { ProbeTimelineData } from '../../sql/probe-progress.js';
import type { ProbeReport, Timeline } from '../../sql/timeline.js';
import { writeFileAtomic } from '../../state/atomic.js';
import { resolveConnection } from '../connections.js';
import type { RunContext } from '../context.js';
import { addCheck, addMeasurement, type Execution } from '../execution.js';
import { probeMeasurementName } from '../../labs/rules.js';
import { firstAckAfter, lossWindow } from './probe-loss.js';

const PREFIX_CHECK = 'the new writer kept a consistent prefix of the acknowledged writes: every one it lacks came after the newest it has';

interface RunningProbe {
  stop(): Promise<Timeline>;
  waitForRecovery(opts: RecoveryOptions): Promise<Recovery>;
  table: string;
}

export async function runProbeStart(ex: Execution, step: ProbeStartStep, ctx: RunContext): Promise<void> {
  const { startProbe } = await import('../../sql/probe.js');
  const { ProbeTally } = await import('../../sql/probe-progress.js');
  const write = await resolveConnection(ex, step.connection, undefined, ctx);
  const read = step.readConnection ? await resolveConnection(ex, step.readConnection, undefined, ctx) : undefined;
  const tally = new ProbeTally();
  const probe = await startProbe({
    write,
    read,
    intervalMs: step.intervalMs,
    // One tag per start: a repeated window must not collide with the rows (run_id, seq) of the lost probe.
    runId: `${ex.state.runId}-${step.probe}-${Date.now().toString(36)}`,
    onEvent: (e) => {
      const progress = tally.add(e);
      if (progress) ex.reporter.emit({ code: 'probe.progress', level: 'debug', message: `probe ${step.probe}`, data: { probe: step.probe, ...progress } });
    },
  });
  ex.probes.set(step.probe, probe as unknown as RunningProbe);
  ex.reporter.emit({ code: 'probe.start', level: 'info', message: `probe ${step.probe}: writing every ${step.intervalMs} ms` });
}

export async function runProbeStop(ex: Execution, step: ProbeStopStep, ctx: RunContext): Promise<void> {
  const probe = ex.probes.get(step.probe) as RunningProbe | undefined;
  if (!probe) {
    // The planner repeats a lost probe's window, so this is a lab whose probe-start did not run.
    throw new StateError(`probe "${step.probe}" is not running in this process`, {
      code: 'PROBE_LOST',
      hint: 'its probe-start step did not run in this attempt; nothing it would have measured can be reported',
    });
  }
  const recovery = step.recovery ? await awaitRecovery(ex, step, probe, ctx) : undefined;
  // Ctrl-C while waiting: not a measurement of an open outage. The step stays undone, so a resumed
  // run repeats the probe's window (the run stops the probe on its way out).
  if (ex.signal.aborted) throw new UserAbort(`interrupted while probe ${step.probe} waited for the writes to come back`);
  const { analyzeTimeline } = await import('../../sql/timeline.js');
  const timeline = await probe.stop();
  ex.probes.delete(step.probe);
  const report = analyzeTimeline(timeline);
  await writeFileAtomic(path.join(ex.dir, `probe-${step.probe}.json`), `${JSON.stringify({ report, timeline }, null, 1)}\n`);
  emitTimeline(ex, step.probe, timeline, report);

  const m = (name: string) => probeMeasurementName(step.measurementPrefix, name);
  addMeasurement(ex, m('writeOutageMs'), report.writeOutageMs, 'ms');
  addMeasurement(ex, m('writeOutageOpen'), report.writeOutageOpen);
  addMeasurement(ex, m('readOutageMs'), report.readOutageMs, 'ms');
  addMeasurement(ex, m('readOutageOpen'), report.readOutageOpen);
  addMeasurement(ex, m('reconnects'), report.reconnects);
  addMeasurement(ex, m('acknowledgedWrites'), report.acknowledgedWrites);
  addMeasurement(ex, m('probeResolutionMs'), report.resolutionMs, 'ms');
  addMeasurement(ex, m('writersSeen'), report.writersSeen);
  if (step.measure) {
    // From the call (say FailoverGlobalCluster) to the first write acknowledged after it: absent when none was.
    const from = ex.state.steps[step.measure.from]?.calledAt;
    const ack = from === undefined ? undefined : firstAckAfter(timeline, from, recovery?.writer);
    if (from !== undefined && ack !== undefined) addMeasurement(ex, step.measure.name, Math.round(ack - from), 'ms');
  }

  if (recovery?.writerUnknown) {
    addCheck(ex, { name: "the probe's writes came back on the new writer before it stopped", passed: false, notMeasured: true, detail: 'not measured: the lab does not know the new writer', stepId: step.id });
  } else if (recovery) {
    const open = report.writeOpenWindow;
    addCheck(ex, {
      name: recovery.writer
        ? `the probe's writes came back on the new writer ${recovery.writer} before it stopped`
        : "the probe's writes came back before it stopped",
      passed: recovery.recovered && !report.writeOutageOpen,
      detail: recovery.recovered
        ? `acknowledged after ${Math.round(recovery.waitedMs)} ms of waiting${open ? `; a new outage was still open at stop (${Math.round(open.soFarMs)} ms so far)` : ''}`
        : `write outage still open when the probe stopped: ${Math.round(open?.soFarMs ?? report.writeOutageMs)} ms so far, after waiting ${Math.round(recovery.waitedMs)} ms`,
      stepId: step.id,
    });
  }

  if (step.verifyConnection) {
    const { openSession } = await import('../../sql/session.js');
    const { verifyAcknowledgedWrites } = await import('../../sql/probe.js');
    const session = await openSession(await resolveConnection(ex, step.verifyConnection, undefined, ctx));
    try {
      const verdict = await verifyAcknowledgedWrites(session, timeline, probe.table);
      const name = step.allowDataLoss ? PREFIX_CHECK : 'no acknowledged write was lost';
      if (verdict.acknowledged === 0) {
        // "0 of 0 lost" proves nothing: no lostWrites figure, and the check fails as not measured.
        addCheck(ex, { name, passed: false, notMeasured: true, detail: 'not measured: the probe had no acknowledged write to read back', stepId: step.id });
        return;
      }
      addMeasurement(ex, m('lostWrites'), verdict.lost.length);
      if (step.allowDataLoss) {
        const loss = lossWindow(timeline, verdict.lost);
        addMeasurement(ex, m('lostWritesWindowMs'), loss.windowMs, 'ms');
        addCheck(ex, {
          name: PREFIX_CHECK,
          passed: loss.consistentPrefix,
          detail: `${verdict.found} of ${verdict.acknowledged} acknowledged writes read back` +
            (verdict.lost.length
              ? `; lost ${verdict.lost.length} (seq ${verdict.lost[0]}-${verdict.lost.at(-1)}), acknowledged over ${Math.round(loss.windowMs)} ms after the newest kept write${loss.newestKept === undefined ? '' : ` (seq ${loss.newestKept})`}`
              : '; none lost'),
          stepId: step.id,
        });
        return;
      }
      addCheck(ex, {
        name,
        passed: verdict.lost.length === 0,
        detail: `${verdict.found} of ${verdict.acknowledged} acknowledged writes read back${verdict.lost.length ? `; missing seq ${verdict.lost.slice(0, 10).join(', ')}` : ''}`,
        stepId: step.id,
      });
    } finally {
      await session.close();
    }
  }
}

/** The probe keeps running until writes are acknowledged again (by the new writer), then a settle period. */
async function awaitRecovery(ex: Execution, step: ProbeStopStep, probe: RunningProbe, ctx: RunContext): Promise<Recovery & { writer?: string; writerUnknown?: true }> {
  const r = step.recovery!;
  const rendered = r.writer === undefined ? undefined : render(r.writer, ctx);
  const writer = rendered === null || rendered === undefined || rendered === '' ? undefined : String(rendered);
  if (r.writer !== undefined && writer === undefined) {
    // Waiting for "any" writer would let the old one count: the check must not pass on that.
    return { recovered: false, waitedMs: 0, writerUnknown: true };
  }
  ex.reporter.emit({
    code: 'probe.recovery',
    level: 'info',
    message: `probe ${step.probe}: waiting for a write acknowledged by ${writer ?? 'the writer'} (at most ${r.maxWaitSeconds} s), then ${r.settleMs} ms more`,
  });
  const result = await probe.waitForRecovery({ writer, maxWaitMs: r.maxWaitSeconds * 1000, settleMs: r.settleMs, signal: ex.signal });
  return { ...result, ...(writer ? { writer } : {}) };
}

function emitTimeline(ex: Execution, probe: string, tl: Timeline, report: ProbeReport): void {
  const acks = tl.events.filter((e) => e.op === 'write' && e.ok).map((e) => (e.op === 'reconnect' ? 0 : e.t + e.latencyMs));
  const data: ProbeTimelineData = {
    probe,
    durationMs: tl.durationMs,
    ...(acks.length > 0 ? { firstAckAt: Math.min(...acks) } : {}),
    writeWindows: report.writeWindows.map(({ from, to }) => ({ from, to })),
    ...(report.writeOpenWindow ? { openFrom: report.writeOpenWindow.from } : {}),
    writerChanges: report.writerChanges,
  };
  ex.reporter.emit({ code: 'probe.timeline', level: 'debug', message: `probe ${probe}: timeline`, data });
}
