/**
 * The failover probe: a background workload started by one step and stopped by a later one, which
 * turns its timeline into measurements (outage, reconnects, lost writes) and saves the timeline in the
 * run directory for the learner to look at.
 */
import path from 'node:path';
import type { ProbeStartStep, ProbeStopStep } from '../../labs/schema.js';
import { StateError } from '../../errors.js';
import { writeFileAtomic } from '../../state/atomic.js';
import { resolveConnection } from '../connections.js';
import type { RunContext } from '../context.js';
import { addCheck, addMeasurement, type Execution } from '../execution.js';

interface RunningProbe {
  stop(): Promise<import('../../sql/timeline.js').Timeline>;
  table: string;
}

export async function runProbeStart(ex: Execution, step: ProbeStartStep, ctx: RunContext): Promise<void> {
  const { startProbe } = await import('../../sql/probe.js');
  const write = await resolveConnection(ex, step.connection, undefined, ctx);
  const read = step.readConnection ? await resolveConnection(ex, step.readConnection, undefined, ctx) : undefined;
  const probe = await startProbe({ write, read, intervalMs: step.intervalMs, runId: ex.state.runId });
  ex.probes.set(step.probe, probe as unknown as RunningProbe);
  ex.reporter.emit({ code: 'probe.start', level: 'info', message: `probe ${step.probe}: writing every ${step.intervalMs} ms` });
}

export async function runProbeStop(ex: Execution, step: ProbeStopStep, ctx: RunContext): Promise<void> {
  const probe = ex.probes.get(step.probe) as RunningProbe | undefined;
  if (!probe) {
    throw new StateError(`probe "${step.probe}" is not running in this process`, {
      code: 'PROBE_LOST',
      hint: 'the probe was started by an interrupted process; run the lab again with the same --run-id to restart it',
    });
  }
  const { analyzeTimeline } = await import('../../sql/timeline.js');
  const timeline = await probe.stop();
  ex.probes.delete(step.probe);
  const report = analyzeTimeline(timeline);
  await writeFileAtomic(path.join(ex.dir, `probe-${step.probe}.json`), `${JSON.stringify({ report, timeline }, null, 1)}\n`);

  addMeasurement(ex, 'writeOutageMs', report.writeOutageMs, 'ms');
  addMeasurement(ex, 'readOutageMs', report.readOutageMs, 'ms');
  addMeasurement(ex, 'reconnects', report.reconnects);
  addMeasurement(ex, 'acknowledgedWrites', report.acknowledgedWrites);
  addMeasurement(ex, 'probeResolutionMs', report.resolutionMs, 'ms');
  addMeasurement(ex, 'writersSeen', report.writersSeen);

  if (step.verifyConnection) {
    const { openSession } = await import('../../sql/session.js');
    const { verifyAcknowledgedWrites } = await import('../../sql/probe.js');
    const session = await openSession(await resolveConnection(ex, step.verifyConnection, undefined, ctx));
    try {
      const verdict = await verifyAcknowledgedWrites(session, timeline, probe.table);
      addMeasurement(ex, 'lostWrites', verdict.lost.length);
      addCheck(ex, {
        name: 'no acknowledged write was lost',
        passed: verdict.lost.length === 0,
        detail: `${verdict.found} of ${verdict.acknowledged} acknowledged writes read back${verdict.lost.length ? `; missing seq ${verdict.lost.slice(0, 10).join(', ')}` : ''}`,
        stepId: step.id,
      });
    } finally {
      await session.close();
    }
  }
}
