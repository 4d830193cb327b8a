/** The planner is pure: lab + saved state + target capabilities -> what to do with each step. No mocks. */
import { describe, expect, it } from 'vitest';
import { parseLab } from '../../src/labs/loader.js';
import { planRun } from '../../src/engine/planner.js';
import type { TargetCapabilities } from '../../src/engine/target.js';
import type { StepRecord } from '../../src/state/run-state.js';

const lab = parseLab(
  `name: plan
title: Plan
level: beginner
engines: [aurora-postgresql]
summary: s
estimate: { minutes: 1 }
requires: [failover, global-database]
connections:
  w: { host: h, port: 1, user: u, database: d }
steps:
  - { id: create, kind: aws, title: C, operation: CreateDBCluster, capture: { endpoint: DBCluster.Endpoint } }
  - id: probe-start
    kind: probe-start
    title: Start the probe
    probe: p
    connection: w
  - { id: failover, kind: aws, title: F, operation: FailoverDBCluster }
  - id: probe-stop
    kind: probe-stop
    title: Stop the probe
    probe: p
  - id: read
    kind: sql
    title: Read
    connection: w
    statements: [{ sql: select 1 as id, capture: { instanceId: "rows[0].id" } }]
  - { id: check-instance, kind: check, title: Check, name: the same instance, assert: "vars.instanceId == 'x'" }
  - { id: check-endpoint, kind: check, title: Check, name: has an endpoint, assert: vars.endpoint }
`,
  'plan.yaml',
);

const full: TargetCapabilities = { network: true, sql: true, pollScale: 1, unsupported: [] };
const dry: TargetCapabilities = { network: true, sql: false, pollScale: 0, unsupported: [] };

const done = (): StepRecord => ({ status: 'done', startedAt: '2024-01-01T00:00:00Z', calls: [] });

function actions(plan: ReturnType<typeof planRun>) {
  return Object.fromEntries(plan.steps.map((p) => [p.step.id, p.action === 'run' ? 'run' : `skip: ${p.reason}`]));
}

describe('planner', () => {
  it('a fresh run with every capability runs every step', () => {
    const plan = planRun(lab, { steps: {} }, full);
    expect(plan.steps.every((p) => p.action === 'run')).toBe(true);
    expect(plan.unsupported).toEqual([]);
  });

  it('on resume, steps done in an earlier attempt are skipped and not recorded again', () => {
    const plan = planRun(lab, { steps: { create: done(), 'probe-start': done(), failover: done(), 'probe-stop': done() } }, full);
    expect(actions(plan)).toEqual({
      create: 'skip: done in an earlier attempt',
      'probe-start': 'skip: done in an earlier attempt',
      failover: 'skip: done in an earlier attempt',
      'probe-stop': 'skip: done in an earlier attempt',
      read: 'run',
      'check-instance': 'run',
      'check-endpoint': 'run',
    });
    for (const p of plan.steps) if (p.action === 'skip') expect(p.record).toBe(false);
  });

  it('a done probe-start runs again when its probe-stop is not done (the probe died with the process)', () => {
    const plan = planRun(lab, { steps: { create: done(), 'probe-start': done(), failover: { ...done(), status: 'failed' } } }, full);
    expect(actions(plan)['probe-start']).toBe('run');
    expect(actions(plan).create).toBe('skip: done in an earlier attempt');
    expect(actions(plan).failover).toBe('run');
  });

  it('a run that lost its probe repeats the whole window, failover included, and says why', () => {
    const plan = planRun(lab, { steps: { create: done(), 'probe-start': done(), failover: done() } }, full);
    expect(actions(plan)).toMatchObject({ create: 'skip: done in an earlier attempt', 'probe-start': 'run', failover: 'run', 'probe-stop': 'run' });
    const repeated = plan.steps.filter((p) => p.action === 'run' && p.reason).map((p) => p.step.id);
    expect(repeated).toEqual(['probe-start', 'failover']);
    const why = plan.steps.find((p) => p.step.id === 'failover')!;
    expect(why.action === 'run' && why.reason).toMatch(/probe p was lost with the interrupted process/);
  });

  it('a probe window with resumeFrom repeats from that earlier step, and one without a started probe repeats nothing', () => {
    const withFrom = parseLab(
      `name: plan
title: Plan
level: beginner
engines: [aurora-postgresql]
summary: s
estimate: { minutes: 1 }
connections:
  w: { host: h, port: 1, user: u, database: d }
steps:
  - { id: create, kind: aws, title: C, operation: CreateDBCluster, creates: { type: db-cluster, id: c } }
  - { id: who, kind: aws, title: W, operation: DescribeDBClusters, capture: { writer: "DBClusters[0].DBClusterIdentifier" } }
  - { id: probe-start, kind: probe-start, title: S, probe: p, connection: w, resumeFrom: who }
  - { id: failover, kind: aws, title: F, operation: FailoverDBCluster }
  - { id: probe-stop, kind: probe-stop, title: T, probe: p }
`,
      'plan.yaml',
    );
    const lost = planRun(withFrom, { steps: { create: done(), who: done(), 'probe-start': { ...done(), status: 'running' } } }, full);
    expect(actions(lost)).toEqual({ create: 'skip: done in an earlier attempt', who: 'run', 'probe-start': 'run', failover: 'run', 'probe-stop': 'run' });
    const notStarted = planRun(withFrom, { steps: { create: done(), who: done() } }, full);
    expect(actions(notStarted).who).toBe('skip: done in an earlier attempt');
    // A dry run skips the probe: there was none to lose, so nothing is repeated.
    const dryRun = planRun(withFrom, { steps: { create: done(), who: done(), 'probe-start': { ...done(), status: 'skipped' }, failover: done() } }, dry);
    expect(actions(dryRun)).toMatchObject({ who: 'skip: done in an earlier attempt', failover: 'skip: done in an earlier attempt' });
    const finished = planRun(withFrom, { steps: { create: done(), who: done(), 'probe-start': done(), failover: done(), 'probe-stop': done() } }, full);
    expect(finished.steps.every((p) => p.action === 'skip')).toBe(true);
  });

  it('without the sql capability, SQL and probe steps are skipped, and so are checks that need their captures', () => {
    const plan = planRun(lab, { steps: {} }, dry);
    expect(actions(plan)).toEqual({
      create: 'run',
      'probe-start': 'skip: SQL is not run in a dry run',
      failover: 'run',
      'probe-stop': 'skip: SQL is not run in a dry run',
      read: 'skip: SQL is not run in a dry run',
      'check-instance': 'skip: needs vars.instanceId from a step that did not run',
      'check-endpoint': 'run',
    });
    for (const p of plan.steps) if (p.action === 'skip') expect(p.record).toBe(true);
  });

  it('features the lab requires and the target lacks are reported as unsupported', () => {
    const plan = planRun(lab, { steps: {} }, { ...full, unsupported: ['global-database', 'iam-auth'] });
    expect(plan.unsupported).toEqual(['global-database']);
  });

  it('planning does not change the state it is given', () => {
    const state = { steps: { create: done() } };
    const copy = structuredClone(state);
    planRun(lab, state, dry);
    expect(state).toEqual(copy);
  });
});
