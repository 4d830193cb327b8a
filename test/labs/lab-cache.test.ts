/** The validated-lab cache (src/labs/lab-cache.ts): used when it is sound, passed over when it is not. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabFileError } from '../../src/errors.js';
import { cacheDir, cacheKey } from '../../src/labs/lab-cache.js';
import { labsDir, parseLab } from '../../src/labs/loader.js';
import { useTempLabHome } from '../helpers/temp-lab-home.js';

const home = useTempLabHome('alab-cache-');
const SOURCE = readFileSync(path.join(labsDir(), 'failover.yaml'), 'utf8');
const entries = () => readdirSync(cacheDir()).filter((n) => n.endsWith('.json'));

describe('the validated-lab cache', () => {
  it('keeps a valid lab under AURORA_LAB_HOME and gives the same lab back from it', () => {
    const first = parseLab(SOURCE, 'failover.yaml');
    expect(entries()).toEqual([`${cacheKey(SOURCE)}.json`]);
    expect(cacheDir().startsWith(home())).toBe(true);
    const again = parseLab(SOURCE, 'failover.yaml');
    expect(again).toEqual(first);
  });

  it('reads the entry instead of validating again', () => {
    parseLab(SOURCE);
    // An entry with the right key is what the cache answers: proof it was read, not the YAML.
    const file = path.join(cacheDir(), `${cacheKey(SOURCE)}.json`);
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { lab: { title: string } };
    entry.lab.title = 'from the cache';
    writeFileSync(file, JSON.stringify(entry));
    expect(parseLab(SOURCE).title).toBe('from the cache');
  });

  it('validates an edited lab again: a broken edit is refused, not served from the cache', () => {
    parseLab(SOURCE);
    const broken = SOURCE.replace(/^level: .*$/m, 'level: wizard');
    expect(() => parseLab(broken, 'failover.yaml')).toThrow(LabFileError);
    expect(entries()).toHaveLength(1);
  });

  it('passes over an entry whose key is not its own (copied or renamed by hand)', () => {
    const other = readFileSync(path.join(labsDir(), 'cluster-launch.yaml'), 'utf8');
    parseLab(other);
    // The cluster-launch entry, put where the failover lab's would be.
    writeFileSync(path.join(cacheDir(), `${cacheKey(SOURCE)}.json`), readFileSync(path.join(cacheDir(), `${cacheKey(other)}.json`)));
    expect(parseLab(SOURCE).name).toBe('failover');
  });

  it('passes over an entry that is not JSON', () => {
    parseLab(SOURCE);
    writeFileSync(path.join(cacheDir(), `${cacheKey(SOURCE)}.json`), '{"format":1,');
    expect(parseLab(SOURCE).name).toBe('failover');
  });

  it('keeps no entry for a lab whose value JSON would change (an infinite number)', () => {
    // A step's input is any YAML value; JSON would turn .inf into null.
    const infinite = SOURCE.replace(/^    input:\n/m, '    input:\n      Forever: .inf\n');
    expect(infinite).not.toBe(SOURCE);
    const input = (parseLab(infinite).steps[0] as { input: Record<string, unknown> }).input;
    expect(input.Forever).toBe(Infinity);
    expect(() => readdirSync(cacheDir())).toThrow();
  });

  it('makes no AURORA_LAB_HOME for its entries: a home that does not exist yet stays absent', () => {
    const missing = path.join(home(), 'not-yet');
    process.env.AURORA_LAB_HOME = missing;
    expect(parseLab(SOURCE).name).toBe('failover');
    expect(existsSync(missing)).toBe(false);
  });

  it('still loads labs when the cache cannot be written (a home that is a file)', () => {
    // A file, not permissions: the tests may run as root, who writes through a read-only mode.
    const file = path.join(home(), 'not-a-directory');
    writeFileSync(file, '');
    process.env.AURORA_LAB_HOME = file;
    expect(parseLab(SOURCE).name).toBe('failover');
    expect(parseLab(SOURCE).name).toBe('failover');
  });
});
