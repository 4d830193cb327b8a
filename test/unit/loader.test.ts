/**
 * Lab files: a valid one parses; every kind of malformed one yields a LabFileError whose details are
 * `file:LINE:COL: message` lines pointing at the offending node, all problems of a phase at once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabFileError } from '../../src/errors.js';
import { loadLab, MAX_LAB_BYTES, parseLab } from '../../src/labs/loader.js';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'aurora-lab-loader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** 11 lines; the first step starts on line 12. */
const HEAD = `name: t
title: T
level: beginner
engines: [aurora-postgresql]
summary: s
estimate: { minutes: 1 }
params:
  db: { default: lab, description: d }
connections:
  w: { host: h, port: 1, user: u, database: d }
steps:
`;

function problems(source: string, file = 'labs/x.yaml'): string[] {
  try {
    parseLab(source, file);
  } catch (err) {
    expect(err).toBeInstanceOf(LabFileError);
    const e = err as LabFileError;
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`${file} is not a valid lab (${e.details.length} problem`);
    for (const line of e.details) expect(line).toMatch(/^labs\/x\.yaml:\d+:\d+: \S/);
    return e.details;
  }
  throw new Error('the lab parsed, but it should not have');
}

describe('lab loader', () => {
  it('a valid lab parses, with defaults filled in', () => {
    const lab = parseLab(readFileSync(path.join(FIXTURES, 'valid-lab.yaml'), 'utf8'), 'valid-lab.yaml');
    expect(lab.name).toBe('tiny-lab');
    expect(lab.steps.map((s) => s.kind)).toEqual(['aws', 'sql', 'check']);
    const create = lab.steps[0]!;
    expect(create.kind === 'aws' && create.service).toBe('rds');
    expect(lab.requires).toEqual([]);
  });

  it('the shipped cluster-launch lab loads from labs/', async () => {
    const loaded = await loadLab('cluster-launch');
    expect(loaded.lab.engines).toEqual(['aurora-postgresql', 'aurora-mysql']);
    expect(loaded.file).toMatch(/labs\/cluster-launch\.yaml$/);
  });

  it('a YAML syntax error is reported at its line, with a duplicate key, before any schema check', () => {
    const details = problems('name: t\ntitle: [unclosed\nlevel: beginner\nlevel: expert\n');
    expect(details).toHaveLength(2);
    expect(details[0]).toMatch(/^labs\/x\.yaml:3:1: /);
    expect(details[1]).toBe('labs/x.yaml:4:1: Map keys must be unique');
  });

  it('wrong types, an unknown step kind and an unknown field are all reported at once, each at its node', () => {
    const details = problems(
      `${HEAD}  - id: a
    kind: bogus
    title: A
  - id: b
    kind: aws
    title: 5
    operation: DescribeDBClusters
    input: []
    colour: blue
`,
    );
    expect(details).toEqual([
      'labs/x.yaml:13:11: steps.0.kind: unknown step kind; expected one of aws, wait, poll, sql, probe-start, probe-stop, check, measure, note',
      'labs/x.yaml:17:12: steps.1.title: Invalid input: expected string, received number',
      'labs/x.yaml:19:12: steps.1.input: Invalid input: expected record, received array',
      'labs/x.yaml:20:5: steps.1: unknown field "colour"',
    ]);
  });

  it('a top-level field of the wrong value points at the value', () => {
    const details = problems(HEAD.replace('level: beginner', 'level: wizard') + '  - { id: n, kind: note, title: N }\n');
    expect(details).toEqual(['labs/x.yaml:3:8: level: Invalid option: expected one of "beginner"|"intermediate"|"advanced"|"expert"']);
  });

  it('a reference to a var that only a later step captures is refused', () => {
    const details = problems(
      `${HEAD}  - id: a
    kind: aws
    title: A
    operation: DescribeDBClusters
    input: { X: "{{ vars.later }}" }
  - id: b
    kind: aws
    title: B
    operation: DescribeDBClusters
    capture: { later: "DBClusters[0]" }
`,
    );
    expect(details).toEqual(['labs/x.yaml:16:12: "vars.later" is not captured by an earlier step']);
  });

  it('a probe window that a resumed run would repeat may not create resources, and resumeFrom must come before', () => {
    const details = problems(
      `${HEAD}  - { id: start, kind: probe-start, title: S, probe: p, connection: w, resumeFrom: later }
  - { id: make, kind: aws, title: M, operation: CreateDBCluster, creates: { type: db-cluster, id: c } }
  - { id: stop, kind: probe-stop, title: T, probe: p }
  - { id: later, kind: note, title: N }
`,
    );
    expect(details.some((d) => d.includes('step "later" does not come before this one'))).toBe(true);
    expect(details.some((d) => d.includes(`step "make" creates a resource inside probe "p"'s window, which a resumed run repeats`))).toBe(true);
  });

  it('rule problems are all reported at once: unknown param, bad JMESPath, duplicate id, unknown connection, probe order, later step', () => {
    const details = problems(
      `${HEAD}  - id: a
    kind: aws
    title: A
    operation: DescribeDBClusters
    input: { X: "{{ params.nope }}", Y: "{{ foo[ }}" }
  - id: a
    kind: sql
    title: S
    connection: nowhere
    statements: [{ sql: select 1 }]
  - id: stop
    kind: probe-stop
    title: Stop
    probe: p
  - id: start
    kind: probe-start
    title: Start
    probe: p
    connection: w
  - id: poll
    kind: poll
    title: P
    operation: DescribeDBClusters
    until: "DBClusters[0"
    maxWaitSeconds: 10
    reissue: { step: later, afterSeconds: 5 }
  - id: later
    kind: note
    title: L
`,
    );
    expect(details).toHaveLength(7);
    expect(details).toContain('labs/x.yaml:16:12: "params.nope" is not a parameter of this lab');
    expect(details.some((d) => d.startsWith('labs/x.yaml:16:12: invalid JMESPath "foo["'))).toBe(true);
    expect(details).toContain('labs/x.yaml:17:9: step id "a" is used twice');
    expect(details).toContain('labs/x.yaml:20:17: connection "nowhere" is not defined under connections');
    expect(details).toContain('labs/x.yaml:25:12: probe "p" is not started by an earlier step');
    expect(details.some((d) => d.startsWith('labs/x.yaml:35:12: invalid JMESPath "DBClusters[0"'))).toBe(true);
    expect(details).toContain('labs/x.yaml:37:22: step "later" does not come before this one');
  });

  it('a measurement from a later step (a cycle) is refused', () => {
    const details = problems(
      `${HEAD}  - id: poll
    kind: poll
    title: P
    operation: DescribeDBClusters
    until: "DBClusters[0]"
    maxWaitSeconds: 10
    measure: { name: took, from: failover }
  - id: failover
    kind: aws
    title: F
    operation: FailoverDBCluster
`,
    );
    expect(details).toEqual(['labs/x.yaml:18:34: step "failover" does not come before this one']);
  });

  it('the fixture broken.yaml reports its problems with file:line:col', () => {
    const file = 'test/fixtures/broken.yaml';
    try {
      parseLab(readFileSync(path.join(FIXTURES, 'broken.yaml'), 'utf8'), file);
      throw new Error('parsed');
    } catch (err) {
      expect(err).toBeInstanceOf(LabFileError);
      expect((err as LabFileError).details).toEqual([
        `${file}:3:8: level: Invalid option: expected one of "beginner"|"intermediate"|"advanced"|"expert"`,
        `${file}:20:5: steps.1: unknown field "colour"`,
      ]);
    }
  });

  it('a YAML alias bomb fails fast instead of expanding', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) {
      bomb.push(`${name}: &${name} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    const details = problems(`${bomb.join('\n')}\n`);
    expect(details).toHaveLength(1);
    expect(details[0]).toMatch(/^labs\/x\.yaml:1:1: .*(alias|resource exhaustion)/i);
  });

  it('a file over MAX_LAB_BYTES is refused before it is parsed', async () => {
    const file = path.join(tmp, 'huge.yaml');
    writeFileSync(file, `# ${'x'.repeat(MAX_LAB_BYTES)}\nname: [\n`);
    const err = await loadLab(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabFileError);
    const e = err as LabFileError;
    expect(e.message).toContain(`at most ${MAX_LAB_BYTES}`);
    expect(e.details).toHaveLength(1);
    expect(e.details[0]).toMatch(/huge\.yaml:1:1: the file is \d+ bytes, over the \d+-byte limit/);
  });

  it('a document that is not a mapping is refused', () => {
    expect(problems('- just\n- a list\n')).toEqual([
      'labs/x.yaml:1:1: a lab file must be a mapping with name, title, level, engines, summary, estimate and steps',
    ]);
  });

  it('an unknown lab name and a missing path are LabFileErrors with a hint', async () => {
    const unknown = await loadLab('no-such-lab').catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(LabFileError);
    expect((unknown as LabFileError).message).toBe('unknown lab "no-such-lab"');
    expect((unknown as LabFileError).hint).toContain('cluster-launch');
    const missing = await loadLab('./nowhere/lab.yaml').catch((e: unknown) => e);
    expect((missing as LabFileError).message).toBe('no lab file at ./nowhere/lab.yaml');
  });
});
