import { describe, expect, it } from 'vitest';
import { formatFigure, missingValues, renderProse, unknownWords } from '../../src/labs/prose.js';
import { HumanReporter } from '../../src/output/human-reporter.js';

describe('prose a learner reads', () => {
  it('prints a figure at its resolution: whole milliseconds, three significant digits below 100', () => {
    expect(formatFigure(213.6123260000004, 'ms')).toBe('214');
    expect(formatFigure(213.6123260000004)).toBe('214');
    expect(formatFigure(18.75)).toBe('18.8');
    expect(formatFigure(1.5)).toBe('1.5');
    expect(formatFigure(0.123456)).toBe('0.123');
    expect(formatFigure(9.5, 'ms')).toBe('10');
    expect(formatFigure(101)).toBe('101');
  });

  it('renders known values and reads unknown ones as words, never as a template or null', () => {
    const ctx = { engine: 'aurora-mysql', params: { minCapacity: 0.5 }, vars: {}, measurements: { writeOutageMs: 213.6123260000004 } };
    expect(renderProse('Engine {{ engine }} from {{ params.minCapacity }} ACU', ctx)).toBe('Engine aurora-mysql from 0.5 ACU');
    expect(renderProse('{{ measurements.writeOutageMs }} ms of write outage', ctx)).toBe('214 ms of write outage');
    expect(renderProse('named by its ARN ({{ vars.snapshotArn }})', ctx)).toBe('named by its ARN (the snapshot ARN)');
    expect(renderProse('in {{ measurements.secondaryRegion }}', ctx)).toBe('in the secondary region');
    expect(renderProse('{{ join(\', \', vars.readerIds) }}', ctx)).toBe('the reader IDs');
    expect(unknownWords('length(@)')).toBe('(known at run time)');
  });

  it('names the values a line still waits for', () => {
    expect(missingValues('{{ measurements.a }} and {{ measurements.b }}', { measurements: { a: 1 } })).toEqual(['measurements.b']);
  });

  it('counts with the noun in the right number where the lab says so', () => {
    const line = 'reconnected {{ measurements.reconnects }} {{ measurements.reconnects == `1` && \'time\' || \'times\' }}';
    expect(renderProse(line, { measurements: { reconnects: 1 } })).toBe('reconnected 1 time');
    expect(renderProse(line, { measurements: { reconnects: 3 } })).toBe('reconnected 3 times');
  });

  it('prints a measurement at its resolution and an absent one as not measured', () => {
    let out = '';
    const stream = { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WriteStream;
    const r = new HumanReporter({ color: false, spinners: false, debug: false, json: false }, stream);
    r.emit({ code: 'measure', level: 'info', message: 'writeOutageMs = 213.6123260000004 ms', data: { name: 'writeOutageMs', value: 213.6123260000004, unit: 'ms' } });
    r.emit({ code: 'measure', level: 'info', message: 'peakCapacity = null ACU', data: { name: 'peakCapacity', value: null, unit: 'ACU' } });
    expect(out).toContain('writeOutageMs = 214 ms');
    expect(out).toContain('peakCapacity = not measured');
    expect(out).not.toContain('213.6');
  });
});
