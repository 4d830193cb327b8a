/** The learning path from run history: passed, rehearsed, attempted, the best run's headline, and the next step. */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { labsDir, parseLab } from '../../src/labs/loader.js';
import { learningPath } from '../../src/path/learning-path.js';
import type { RunState } from '../../src/state/run-state.js';

const LABS = readdirSync(labsDir()).filter((f) => f.endsWith('.yaml')).map((f) => parseLab(readFileSync(path.join(labsDir(), f), 'utf8'), f));

function run(over: Partial<RunState>): RunState {
  return {
    version: 1, runId: 'r1', lab: 'failover', labFile: 'labs/failover.yaml', engine: 'aurora-postgresql', target: 'local', region: 'us-east-1',
    params: {}, status: 'succeeded', keep: false, createdAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:01:00.000Z', expiresAt: '2026-12-01T14:00:00.000Z',
    steps: { a: { status: 'done', startedAt: '2026-12-01T10:00:00.000Z', calls: [] } }, vars: {}, measurements: {}, checks: [{ name: 'x', passed: true }], resources: [],
    ...over,
  } as RunState;
}

const failover = (doc: ReturnType<typeof learningPath>, engine: string) => doc.levels.find((l) => l.level === 'beginner')!.labs.find((l) => l.name === 'failover')!.engines.find((e) => e.engine === engine)!;

describe('the learning path', () => {
  it('puts every lab in its level, in the four levels in order', () => {
    const doc = learningPath(LABS, []);
    expect(doc.levels.map((l) => l.level)).toEqual(['beginner', 'intermediate', 'advanced', 'expert']);
    expect(doc.levels[0]!.labs.map((l) => l.name)).toEqual(['cluster-launch', 'failover']);
    expect(doc.levels[3]!.labs.map((l) => l.name)).toEqual(['global-database']);
    expect(doc.next).toMatchObject({ lab: 'cluster-launch', engine: 'aurora-postgresql', command: 'aurora-lab run cluster-launch --local' });
  });

  it('counts a finished dry run as rehearsed, never as passed', () => {
    const doc = learningPath(LABS, [run({ target: 'dry-run', measurements: { writeOutageMs: 1 } })]);
    expect(failover(doc, 'aurora-postgresql')).toMatchObject({ standing: 'rehearsed', runId: 'r1' });
    expect(failover(doc, 'aurora-postgresql').headline).toBeUndefined();
  });

  it('counts a local run with a failed check as attempted', () => {
    const doc = learningPath(LABS, [run({ status: 'failed', checks: [{ name: 'x', passed: false }] })]);
    expect(failover(doc, 'aurora-postgresql').standing).toBe('attempted');
  });

  it('shows the best passed run by its headline figure (failover: the lowest write outage)', () => {
    const doc = learningPath(LABS, [
      run({ runId: 'slow', measurements: { writeOutageMs: 900 }, createdAt: '2026-12-01T12:00:00.000Z' }),
      run({ runId: 'fast', measurements: { writeOutageMs: 300 }, createdAt: '2026-12-01T11:00:00.000Z' }),
      run({ runId: 'mysql', engine: 'aurora-mysql', target: 'dry-run' }),
    ]);
    const pg = failover(doc, 'aurora-postgresql');
    expect(pg).toMatchObject({ standing: 'passed', runId: 'fast', target: 'local', passedRuns: 2 });
    expect(pg.headline).toMatchObject({ value: 300, unit: 'ms', runId: 'fast' });
    expect(failover(doc, 'aurora-mysql').standing).toBe('rehearsed');
  });
});
