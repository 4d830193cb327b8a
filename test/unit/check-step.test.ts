/** A check judges only what was measured: absent inputs and unmet `measured` conditions fail as "not measured". */
import { describe, expect, it } from 'vitest';
import { MemoryReporter } from '../../src/events.js';
import type { Execution } from '../../src/engine/execution.js';
import { planRun } from '../../src/engine/planner.js';
import { runSteps } from '../../src/engine/runner.js';
import { measuredInputs } from '../../src/engine/steps/check-step.js';
import type { Target } from '../../src/engine/target.js';
import { systemClock } from '../../src/clock.js';
import { parseLab } from '../../src/labs/loader.js';
import { STATE_VERSION, type RunState } from '../../src/state/run-state.js';

const LAB = parseLab(
  `name: checks
title: Checks
level: beginner
engines: [aurora-postgresql]
summary: s
estimate: { minutes: 1 }
steps:
  - { id: capture, kind: aws, title: Capture, operation: DescribeDBClusters, capture: { a: "x", b: "y", vpcId: "z" } }
  - { id: equal, kind: check, title: E, name: a equals b, assert: "vars.a == vars.b", detail: "a {{ vars.a }}, b {{ vars.b }}" }
  - id: no-loss
    kind: check
    title: L
    name: no acknowledged write was lost
    assert: "measurements.lostWrites == \`0\`"
    measured: ["measurements.acknowledgedWrites > \`0\`"]
  - { id: vpc, kind: check, title: V, name: there is a VPC, assert: vars.vpcId, detail: "{{ vars.vpcId || 'none' }}" }
`,
  'checks.yaml',
);

async function judge(vars: Record<string, unknown>, measurements: Record<string, unknown>) {
  const state: RunState = {
    version: STATE_VERSION, runId: 'chk123', lab: 'checks', labFile: 'checks.yaml', engine: 'aurora-postgresql', target: 'local',
    region: 'us-east-1', params: {}, status: 'running', keep: false, createdAt: '', updatedAt: '', expiresAt: '',
    steps: { capture: { status: 'done', startedAt: '', calls: [] } }, vars, measurements, checks: [], resources: [],
  };
  const target = { name: 'local', capabilities: { network: false, sql: true, pollScale: 1, unsupported: [] }, clients: { clock: systemClock } } as unknown as Target;
  const ex: Execution = {
    lab: LAB, state, target, reporter: new MemoryReporter(), signal: new AbortController().signal, dir: '/nonexistent',
    persist: async () => {}, probes: new Map(), secrets: new Set(),
  };
  await runSteps(ex, planRun(LAB, state, target.capabilities));
  return Object.fromEntries(state.checks.map((c) => [c.stepId, c]));
}

describe('checks on what was measured', () => {
  it('judges a check whose inputs were all measured', async () => {
    const c = await judge({ a: 1, b: 1, vpcId: 'vpc-1' }, { lostWrites: 0, acknowledgedWrites: 40 });
    expect(c.equal).toMatchObject({ passed: true, detail: 'a 1, b 1' });
    expect(c.equal!.notMeasured).toBeUndefined();
    expect(c['no-loss']).toMatchObject({ passed: true });
    expect(c.vpc).toMatchObject({ passed: true });
  });

  it('fails as not measured when both sides of an equality are absent, where null == null would hold', async () => {
    const c = await judge({ vpcId: 'vpc-1' }, { lostWrites: 0, acknowledgedWrites: 40 });
    expect(c.equal).toMatchObject({ passed: false, notMeasured: true });
    expect(c.equal!.detail).toMatch(/^not measured: vars\.a is absent; vars\.b is absent/);
  });

  it('fails "0 writes lost" as not measured when no write was acknowledged, or the count is missing', async () => {
    const zero = await judge({ vpcId: 'v' }, { lostWrites: 0, acknowledgedWrites: 0 });
    expect(zero['no-loss']).toMatchObject({ passed: false, notMeasured: true });
    expect(zero['no-loss']!.detail).toContain('measurements.acknowledgedWrites > `0` does not hold');
    const absent = await judge({ vpcId: 'v' }, { lostWrites: 0 });
    expect(absent['no-loss']).toMatchObject({ passed: false, notMeasured: true });
    const noFigure = await judge({ vpcId: 'v' }, { acknowledgedWrites: 12 });
    expect(noFigure['no-loss']!.detail).toContain('measurements.lostWrites is absent');
  });

  it('an existence check fails on its own verdict, with its detail, not as not measured', async () => {
    const c = await judge({ a: 1, b: 1 }, {});
    expect(c.vpc).toMatchObject({ passed: false, detail: 'none' });
    expect(c.vpc!.notMeasured).toBeUndefined();
  });

  it('finds the inputs of an expression outside its string literals', () => {
    expect(measuredInputs("vars.scaling.MinCapacity == params.minCapacity && measurements.x != 'vars.y'")).toEqual(['vars.scaling.MinCapacity', 'measurements.x']);
    expect(measuredInputs('contains(vars.topStatement, `"sleep"`)')).toEqual(['vars.topStatement']);
  });
});
