/**
 * The probe-stop options of a failover that may lose writes: allowDataLoss needs a connection to count
 * them through, measure names a step that comes before, and a prefix keeps two probes' figures apart
 * (a report line may name the prefixed figures, not ones no step records).
 */
import { describe, expect, it } from 'vitest';
import { probeMeasurementName } from '../../src/labs/rules.js';
import { LAB_HEAD, labFileProblems } from '../helpers/lab-text.js';

const HEAD = `${LAB_HEAD}  - { id: call, kind: note, title: N }
  - { id: start, kind: probe-start, title: S, probe: p, connection: w }
`;

const details = labFileProblems;

describe('probe-stop for a failover that may lose writes', () => {
  it('names prefixed measurements in camel case', () => {
    expect(probeMeasurementName('oldPrimary', 'lostWrites')).toBe('oldPrimaryLostWrites');
    expect(probeMeasurementName(undefined, 'lostWrites')).toBe('lostWrites');
  });

  it('accepts allowDataLoss with a verify connection, a measure from an earlier step, and report lines on the prefixed figures', () => {
    const problems = details(`${HEAD}  - { id: stop, kind: probe-stop, title: T, probe: p, verifyConnection: w, allowDataLoss: true, measurementPrefix: old, measure: { name: backMs, from: call } }
report:
  - "{{ measurements.oldLostWrites }} lost over {{ measurements.oldLostWritesWindowMs }} ms; back after {{ measurements.backMs }} ms"
`);
    expect(problems).toEqual([]);
  });

  it('refuses allowDataLoss without a verify connection, a measure from a later step, and an unprefixed figure under a prefix', () => {
    const problems = details(`${HEAD}  - { id: stop, kind: probe-stop, title: T, probe: p, allowDataLoss: true, measurementPrefix: old, measure: { name: backMs, from: later } }
  - { id: later, kind: note, title: L }
report:
  - "{{ measurements.lostWrites }} lost"
`);
    expect(problems.some((d) => d.includes('allowDataLoss needs a verifyConnection'))).toBe(true);
    expect(problems.some((d) => d.includes('step "later" does not come before this one'))).toBe(true);
    expect(problems.some((d) => d.includes('"measurements.lostWrites" is not recorded by any step'))).toBe(true);
  });
});
