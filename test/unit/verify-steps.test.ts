/**
 * `verify: true` marks the steps `aurora-lab verify` repeats on a kept run: the loader takes the field
 * on any step and refuses it on an aws or poll step that could change something, and each shipped
 * lab's verify plan holds only marked steps, none of whose SQL writes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifySteps } from '../../src/cli/commands/verify.js';
import { parseLab } from '../../src/labs/loader.js';
import type { Step } from '../../src/labs/schema.js';
import { LAB_HEAD, labFileProblems } from '../helpers/lab-text.js';

const HEAD = LAB_HEAD;

const details = labFileProblems;

const LABS_DIR = path.join(import.meta.dirname, '..', '..', 'labs');
const LABS = readdirSync(LABS_DIR).filter((f) => f.endsWith('.yaml'));

/** Statement text that changes data, users or server settings. */
const WRITES = /\b(insert|update|delete|create|drop|alter|truncate|grant|set\s+global)\b/i;

function statementsOf(step: Step) {
  if (step.kind !== 'sql') return [];
  return Array.isArray(step.statements) ? step.statements : [...step.statements.postgres, ...step.statements.mysql];
}

describe('steps marked verify', () => {
  it('a step of any kind may be marked verify: true, and verify plans only the marked ones in lab order', () => {
    const lab = parseLab(
      `${HEAD}  - { id: look, kind: aws, title: Look, operation: DescribeDBClusters, verify: true }
  - { id: write, kind: sql, title: Write, connection: w, statements: [{ sql: "insert into t values (1)" }] }
  - { id: read, kind: sql, title: Read, connection: w, verify: true, statements: [{ sql: "select 1 as one" }] }
  - { id: sure, kind: check, title: Sure, name: the row is there, assert: "\`true\`", verify: true }
`,
      'labs/x.yaml',
    );
    expect(verifySteps(lab).map((s) => s.id)).toEqual(['look', 'read', 'sure']);
  });

  it('verify: true on an aws step whose operation is not a Describe, List or Get is a lab-file error at its line', () => {
    const d = details(`${HEAD}  - { id: go, kind: aws, title: Go, operation: FailoverDBCluster, verify: true }
  - { id: look, kind: aws, title: Look, operation: ListTagsForResource, verify: true }
  - { id: get, kind: aws, title: Get, operation: GetCallerIdentity, service: sts, verify: true }
`);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatch(/^labs\/x\.yaml:10:\d+: .*FailoverDBCluster changes something: only a Describe, List or Get call may be marked verify/);
  });

  it('verify: true on a poll that reissues a step is refused: verify would call a step it leaves out', () => {
    const d = details(`${HEAD}  - { id: go, kind: aws, title: Go, operation: FailoverDBCluster }
  - id: wait
    kind: poll
    verify: true
    title: Wait
    operation: DescribeDBClusters
    until: "DBClusters[0]"
    maxWaitSeconds: 60
    reissue: { step: go, afterSeconds: 30 }
`);
    expect(d).toHaveLength(1);
    expect(d[0]).toContain('a poll that reissues a step or measures from one cannot be marked verify');
  });

  it('verify must be a boolean', () => {
    const d = details(`${HEAD}  - { id: sure, kind: check, title: Sure, name: the row is there, assert: "\`true\`", verify: yes please }\n`);
    expect(d.join('\n')).toMatch(/verify/);
  });

  describe.each(LABS)('the shipped lab %s', (file) => {
    const lab = parseLab(readFileSync(path.join(LABS_DIR, file), 'utf8'), `labs/${file}`);
    const plan = verifySteps(lab);

    it('marks at least one step that verify repeats, and verify plans only marked steps in lab order', () => {
      expect(plan.length).toBeGreaterThan(0);
      expect(plan.every((s) => s.verify === true)).toBe(true);
      expect(plan.map((s) => s.id)).toEqual(lab.steps.filter((s) => s.verify).map((s) => s.id));
    });

    it("verify's plan holds no statement that writes, except one that must be refused (expectError)", () => {
      const writes = plan.flatMap((s) => statementsOf(s).filter((st) => WRITES.test(st.sql) && !st.expectError).map((st) => `${s.id}: ${st.sql}`));
      expect(writes).toEqual([]);
    });

    it("verify's plan holds no probe, measure, wait-for-a-change or call that is not a Describe, List or Get", () => {
      for (const s of plan) {
        expect(['probe-start', 'probe-stop', 'measure', 'note'], s.id).not.toContain(s.kind);
        if (s.kind === 'aws' || s.kind === 'poll') expect(s.operation, s.id).toMatch(/^(Describe|List|Get)[A-Z]/);
        if (s.kind === 'aws') expect(s.creates, s.id).toBeUndefined();
      }
    });
  });

  it('the failover lab does not repeat the checks about the writer before the failover', () => {
    const lab = parseLab(readFileSync(path.join(LABS_DIR, 'failover.yaml'), 'utf8'), 'labs/failover.yaml');
    const ids = verifySteps(lab).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['check-writer-moved', 'confirm-writer', 'check-no-loss']));
    for (const past of ['writer-before', 'check-before', 'prepare', 'baseline', 'failover']) expect(ids).not.toContain(past);
  });
});
