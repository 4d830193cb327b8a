/**
 * probe-stop's verdicts, with a stand-in probe (the real one is tested against PostgreSQL in
 * test/sql): an outage still open after the wait is reported open with its length so far and fails
 * the recovery check; "no write lost" out of no acknowledged write fails as not measured.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryReporter } from '../../src/events.js';
import type { Execution } from '../../src/engine/execution.js';
import { runProbeStop } from '../../src/engine/steps/probe-steps.js';
import { buildContext } from '../../src/engine/context.js';
import type { Target } from '../../src/engine/target.js';
import { parseLab } from '../../src/labs/loader.js';
import type { ProbeStopStep } from '../../src/labs/schema.js';
import type { RecoveryOptions } from '../../src/sql/probe.js';
import type { Timeline, TimelineEvent } from '../../src/sql/timeline.js';
import { STATE_VERSION, type RunState } from '../../src/state/run-state.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'aurora-lab-probe-stop-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const LAB = parseLab(
  `name: p
title: P
level: beginner
engines: [aurora-postgresql]
summary: s
estimate: { minutes: 1 }
connections:
  w: { host: h, port: 1, user: u, database: d }
steps:
  - { id: start, kind: probe-start, title: S, probe: failover, connection: w }
  - { id: who, kind: aws, title: W, operation: DescribeDBClusters, capture: { writerAfter: "x" } }
  - { id: stop, kind: probe-stop, title: T, probe: failover, recovery: { writer: "{{ vars.writerAfter }}", maxWaitSeconds: 1, settleMs: 0 } }
`,
  'p.yaml',
);
const STOP = LAB.steps[2] as ProbeStopStep;

function setUp(events: TimelineEvent[], durationMs: number, recovered: boolean, vars: Record<string, unknown> = { writerAfter: 'db-2' }) {
  const state: RunState = {
    version: STATE_VERSION, runId: 'ps1', lab: 'p', labFile: 'p.yaml', engine: 'aurora-postgresql', target: 'local', region: 'us-east-1',
    params: {}, status: 'running', keep: false, createdAt: '', updatedAt: '', expiresAt: '', steps: {}, vars, measurements: {}, checks: [], resources: [],
  };
  const target = { name: 'local', capabilities: { network: false, sql: true, pollScale: 1, unsupported: [] } } as unknown as Target;
  const asked: RecoveryOptions[] = [];
  const timeline: Timeline = { runId: 'ps1-failover-x', family: 'postgres', table: 't', intervalMs: 100, startedAt: 0, durationMs, events };
  const reporter = new MemoryReporter();
  const ex: Execution = {
    lab: LAB, state, target, reporter, signal: new AbortController().signal, dir: tmp, persist: async () => {}, secrets: new Set(),
    probes: new Map([['failover', { table: 't', stop: async () => timeline, waitForRecovery: async (o: RecoveryOptions) => (asked.push(o), { recovered, waitedMs: 1000 }) }]]),
  };
  return { ex, state, asked, reporter, ctx: buildContext(LAB, state, target) };
}

const w = (t: number, ok: boolean, instanceId?: string): TimelineEvent => ({ t, op: 'write', ok, latencyMs: 2, ...(instanceId ? { instanceId } : {}) });

describe('probe-stop', () => {
  it('waits for the new writer named by the lab, and with writes back on it reports a closed outage', async () => {
    const { ex, state, asked, reporter, ctx } = setUp([w(0, true, 'db-1'), w(100, false), w(200, true, 'db-2')], 400, true);
    await runProbeStop(ex, STOP, ctx);
    expect(asked[0]).toMatchObject({ writer: 'db-2', maxWaitMs: 1000, settleMs: 0 });
    expect(state.measurements).toMatchObject({ writeOutageMs: 200, writeOutageOpen: false, writersSeen: ['db-1', 'db-2'] });
    expect(state.checks).toEqual([expect.objectContaining({ passed: true, name: "the probe's writes came back on the new writer db-2 before it stopped" })]);
    expect(reporter.events.find((e) => e.code === 'probe.timeline')?.data).toMatchObject({ writerChanges: [{ at: 202, from: 'db-1', to: 'db-2' }] });
    const saved = JSON.parse(readFileSync(path.join(tmp, 'probe-failover.json'), 'utf8'));
    expect(saved.report.writerChanges).toHaveLength(1);
    expect(saved.timeline.events).toHaveLength(3);
  });

  it('when writes never came back, reports the outage open with its length so far, never 0, and the check fails', async () => {
    const { ex, state, ctx } = setUp([w(0, true, 'db-1'), w(100, false), w(200, false)], 1300, false);
    await runProbeStop(ex, STOP, ctx);
    expect(state.measurements.writeOutageOpen).toBe(true);
    expect(state.measurements.writeOutageMs).toBe(1298);
    const check = state.checks[0]!;
    expect(check.passed).toBe(false);
    expect(check.detail).toBe('write outage still open when the probe stopped: 1298 ms so far, after waiting 1000 ms');
  });

  it('when the lab does not know the new writer, does not wait for any writer and fails the check as not measured', async () => {
    const { ex, state, asked, ctx } = setUp([w(0, true, 'db-1')], 100, true, {});
    await runProbeStop(ex, STOP, ctx);
    expect(asked).toEqual([]);
    expect(state.checks[0]).toMatchObject({ passed: false, notMeasured: true });
  });
});
