/** The six questions: each names its lab, and a placeholder reads as the learner's figure or as an invitation, never blank. */
import { describe, expect, it } from 'vitest';
import { loadQuestions } from '../../src/questions/questions.js';
import type { RunState } from '../../src/state/run-state.js';

const failoverRun = {
  version: 1, runId: 'f1', lab: 'failover', labFile: 'labs/failover.yaml', engine: 'aurora-mysql', target: 'local', region: 'us-east-1', params: {},
  status: 'succeeded', keep: false, createdAt: '2026-12-01T10:00:00.000Z', updatedAt: '2026-12-01T10:00:30.000Z', expiresAt: '2026-12-01T14:00:00.000Z',
  steps: {}, vars: {}, checks: [{ name: 'no acknowledged write was lost', passed: true }], resources: [],
  measurements: { writeOutageMs: 412.7, writerBefore: 'al-f1-0', writerAfter: 'al-f1-1', writerChangeMs: 250 },
} as unknown as RunState;

describe('the questions', () => {
  it('are six, numbered 1-6, each naming the lab that demonstrates it and its sources', async () => {
    const qs = await loadQuestions([]);
    expect(qs.map((q) => q.number)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const q of qs) {
      expect(q.lab).toMatch(/^(cluster-launch|failover|serverless-v2|global-database|snapshot-migration)$/);
      expect(q.sources.length).toBeGreaterThan(0);
      expect(q.figures.length).toBeGreaterThan(0);
    }
  });

  it('with no runs, invites the lab instead of leaving a placeholder, a blank or a 0', async () => {
    for (const q of await loadQuestions([])) {
      expect(q.answer).not.toMatch(/\{\{|undefined|null|NaN|\b0 ms\b/);
      expect(q.answer).toContain('aurora-lab run ');
    }
  });

  it("fills the failover answer from the learner's run, and ignores dry runs", async () => {
    const q = (await loadQuestions([failoverRun])).find((x) => x.number === 2)!;
    expect(q.answer).toContain('Your failover run on 2026-12-01 (Aurora MySQL) moved the writer from al-f1-0 to al-f1-1 250 ms after FailoverDBCluster was called; clients saw 413 ms of write outage locally; through DNS on AWS expect 12-15 s');
    const dry = (await loadQuestions([{ ...failoverRun, target: 'dry-run' } as RunState])).find((x) => x.number === 2)!;
    expect(dry.answer).toContain('Run `aurora-lab run failover --local`');
  });
});
