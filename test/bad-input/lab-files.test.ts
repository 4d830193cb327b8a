/**
 * The lab-file corpus (test/bad-input/corpus): malformed and hostile lab files, each run on the AWS
 * target with an endpoint nothing listens on. Each must be refused before any AWS call, with a message
 * that names the problem, a `hint:` line that says what to do, and exit code 2 (lab file / usage).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_LAB_BYTES } from '../../src/labs/loader.js';
import { cli, pool, removeTempDirs, runArtifacts, sandbox, tempDir, type CliResult } from './run-cli.js';

const CORPUS = path.join(__dirname, 'corpus');
const cases = JSON.parse(await readFile(path.join(CORPUS, 'cases.json'), 'utf8')) as Record<string, { expect: string; note: string; generated?: boolean }>;

/** The three that are generated: too big, or not text, to keep in the repository. */
async function generated(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  if (name === 'huge.yaml') await writeFile(file, `name: huge\n# ${'x'.repeat(MAX_LAB_BYTES)}\n`);
  if (name === 'binary-junk.yaml') {
    let seed = 7;
    const bytes = Buffer.alloc(4096, 0).map(() => (seed = (seed * 1103515245 + 12345) & 0xff));
    await writeFile(file, bytes);
  }
  if (name === 'utf16-bom.yaml') await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('name: x\ntitle: y\n', 'utf16le')]));
  return file;
}

const results = new Map<string, CliResult>();
let artifacts: string[] = [];

afterAll(removeTempDirs);

beforeAll(async () => {
  const { env, home } = await sandbox();
  const genDir = await tempDir('aurora-lab-gen-');
  // Credentials that look real, so nothing stops before the lab file is read except the lab file.
  const withCreds = { ...env, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_REGION: 'us-east-1' };
  const names = Object.keys(cases);
  const out = await pool(names, 4, async (name) => {
    const file = cases[name]!.generated ? await generated(genDir, name) : path.join(CORPUS, 'labs', name);
    return cli(['run', file, '--yes'], withCreds);
  });
  names.forEach((n, i) => results.set(n, out[i]!));
  artifacts = await runArtifacts(home);
}, 120_000);

describe('bad lab files', () => {
  it('the corpus holds at least 40 lab files', () => {
    expect(Object.keys(cases).length).toBeGreaterThanOrEqual(40);
  });

  for (const [name, c] of Object.entries(cases)) {
    it(`${c.note} (${name}): refused with exit 2, the problem and a hint`, () => {
      const r = results.get(name)!;
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(c.expect);
      expect(r.stderr).toMatch(/^hint: .+/m);
      expect(r.stderr).not.toMatch(/internal error|    at /);
      expect(r.stdout).toBe('');
    });
  }

  it('none of them made an AWS call or left a run behind', () => {
    expect(artifacts).toEqual([]);
  });
});
