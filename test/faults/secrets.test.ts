/**
 * Secrets never leave the secret store: a whole lab runs as a dry run (kept, verified, connected to,
 * torn down, with and without --json), and every byte aurora-lab wrote (stdout, stderr, every file
 * under AURORA_LAB_HOME) is searched for the master password the simulated Secrets Manager holds.
 * Excluded, and only it: each run's sim.json, which IS the simulated Secrets Manager (the secret's home).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastTmp } from './fault-helpers.js';

const BIN = path.resolve(__dirname, '../../bin/aurora-lab.js');
let home: string;
const written: { what: string; bytes: string }[] = [];

const run = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, AURORA_LAB_HOME: home, AWS_EC2_METADATA_DISABLED: 'true', NO_COLOR: '1', CI: '1' }, encoding: 'utf8', timeout: 60_000 });
  written.push({ what: `stdout of ${args.join(' ')}`, bytes: r.stdout }, { what: `stderr of ${args.join(' ')}`, bytes: r.stderr });
  return r;
};

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const p = path.join(dir, name);
    if ((await stat(p)).isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

beforeAll(async () => {
  home = await mkdtemp(path.join(await fastTmp(), 'aurora-lab-secrets-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('secrets', () => {
  // global-database: the password is one the run generated and keeps in a secret of its own (no ManageMasterUserPassword).
  for (const lab of ['cluster-launch', 'iam-auth', 'global-database']) {
    it(`a whole ${lab} dry run writes the master password nowhere: not stdout, stderr, --json, state, or any file`, { timeout: 120_000 }, async () => {
      const runId = `sec${lab.replace(/[^a-z]/g, '').slice(0, 8)}`;
      const first = run(['run', lab, '--dry-run', '--keep', '--json', '--run-id', runId]);
      expect(first.status, first.stderr).toBe(0);
      // The secret exists now (the cluster is kept): read it out of the simulated Secrets Manager.
      const sim = JSON.parse(await readFile(path.join(home, 'runs', runId, 'sim.json'), 'utf8'));
      const secrets = Object.values(sim.secrets as Record<string, { secretString: string }>).map((s) => JSON.parse(s.secretString) as { password: string });
      expect(secrets.length).toBeGreaterThan(0);
      const passwords = secrets.map((s) => s.password).filter((p) => typeof p === 'string' && p.length >= 8);
      expect(passwords.length).toBe(secrets.length);
      for (const p of passwords) expect(JSON.stringify(sim)).toContain(p); // the search below would find it

      run(['status', '--json']);
      run(['status', '--all', '--dry-run']);
      run(['verify', runId]);
      run(['verify', runId, '--json']);
      run(['connect', runId, '--print']);
      run(['connect', runId, '--reader', '--print']);
      run(['show', lab]);
      run(['--debug', 'teardown', runId]);

      const files = (await filesUnder(home)).filter((f) => path.basename(f) !== 'sim.json');
      expect(files.map((f) => path.basename(f))).toEqual(expect.arrayContaining(["state.json", "lab.yaml"]));
      const hits: string[] = [];
      for (const f of files) {
        const text = (await readFile(f)).toString('latin1');
        for (const p of passwords) if (text.includes(p)) hits.push(f);
      }
      for (const w of written) for (const p of passwords) if (w.bytes.includes(p)) hits.push(w.what);
      expect(hits).toEqual([]);
    });
  }
});
