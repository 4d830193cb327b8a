/**
 * Bad command lines and missing AWS set-up: each is refused with a message that says what to do
 * (a `hint:` line), the documented exit code (2 usage / lab file, 3 AWS / credentials, 4 state),
 * and no AWS call: the endpoint is 127.0.0.1:9 and no run may leave a state or a simulated account.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, pool, removeTempDirs, runArtifacts, sandbox, type CliResult } from './run-cli.js';

const VALID_PG_ONLY = path.join(__dirname, 'corpus', 'valid-postgres-only.yaml');
const creds = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };

interface Case {
  name: string;
  args: string[];
  env?: Record<string, string>;
  code: 2 | 3 | 4;
  message: RegExp;
}

const CASES: Case[] = [
  { name: 'an unknown lab', args: ['run', 'no-such-lab', '--dry-run'], code: 2, message: /unknown lab "no-such-lab"/ },
  { name: 'a lab path that does not exist', args: ['run', './nowhere/lab.yaml', '--dry-run'], code: 2, message: /no lab file/ },
  { name: 'a lab "name" that is a path outside labs/', args: ['run', '../../etc/passwd', '--dry-run'], code: 2, message: /lab/ },
  { name: 'show of an unknown lab', args: ['show', 'no-such-lab'], code: 2, message: /unknown lab/ },
  { name: 'an engine the lab does not support', args: ['run', VALID_PG_ONLY, '--engine', 'aurora-mysql', '--dry-run'], code: 2, message: /does not support engine aurora-mysql/ },
  { name: 'a region that is not one (dry run)', args: ['run', 'cluster-launch', '--dry-run', '--region', 'moon-base-1'], code: 2, message: /not an AWS region name/ },
  { name: 'a region that is not one (AWS)', args: ['run', 'cluster-launch', '--region', 'us_east_1', '--yes'], env: creds, code: 2, message: /not an AWS region name/ },
  { name: 'a --param without =', args: ['run', 'cluster-launch', '--dry-run', '--param', 'instanceClass'], code: 2, message: /is not key=value/ },
  { name: 'a --param the lab does not have', args: ['run', 'cluster-launch', '--dry-run', '--param', 'nosuch=1'], code: 2, message: /unknown --param nosuch/ },
  { name: '--dry-run with --local', args: ['run', 'cluster-launch', '--dry-run', '--local'], code: 2, message: /cannot be used together/ },
  { name: 'a --run-id with capitals and symbols', args: ['run', 'cluster-launch', '--dry-run', '--run-id', 'Bad_ID!'], code: 2, message: /--run-id "Bad_ID!" is not valid/ },
  { name: 'a --run-id that is too long', args: ['run', 'cluster-launch', '--dry-run', '--run-id', 'a'.repeat(40)], code: 2, message: /is not valid/ },
  { name: 'teardown of an unknown run', args: ['teardown', 'nosuchrun'], code: 4, message: /no run "nosuchrun"/ },
  { name: 'verify of an unknown run', args: ['verify', 'nosuchrun'], code: 4, message: /no run "nosuchrun"/ },
  { name: 'connect to an unknown run', args: ['connect', 'nosuchrun', '--print'], code: 4, message: /no run "nosuchrun"/ },
  { name: 'teardown with no runs at all', args: ['teardown'], code: 4, message: /no runs on this machine/ },
  { name: 'a run whose state file is corrupt', args: ['teardown', 'corrupt'], code: 4, message: /state of run corrupt is not valid JSON/ },
  { name: 'a run whose state file is from elsewhere', args: ['teardown', 'alien'], code: 4, message: /state of run alien is not readable/ },
  { name: 'teardown --expired without --all', args: ['teardown', '--expired'], code: 2, message: /--expired works with --all only/ },
  { name: 'teardown of a run id and --all', args: ['teardown', 'abc', '--all'], code: 2, message: /not both/ },
  { name: 'teardown --all with --dry-run and --local', args: ['teardown', '--all', '--dry-run', '--local'], code: 2, message: /cannot be used together/ },
  { name: 'no AWS credentials at all', args: ['run', 'cluster-launch', '--region', 'us-east-1', '--yes'], code: 3, message: /no AWS credentials|cannot reach|credentials/ },
  { name: 'no AWS region anywhere', args: ['run', 'cluster-launch', '--yes'], env: creds, code: 3, message: /no AWS region is set/ },
  { name: 'credentials but an unreachable endpoint', args: ['run', 'cluster-launch', '--region', 'us-east-1', '--yes'], env: creds, code: 3, message: /cannot reach the sts endpoint/ },
  { name: 'teardown --all without credentials', args: ['teardown', '--all', '--region', 'us-east-1', '--yes'], code: 3, message: /credentials|cannot reach/ },
  { name: 'status --all without a region', args: ['status', '--all'], env: creds, code: 3, message: /no AWS region is set/ },
  { name: 'an SSO profile that does not exist', args: ['run', 'cluster-launch', '--region', 'us-east-1', '--profile', 'nosuchprofile', '--yes'], code: 3, message: /credentials|profile|cannot reach/ },
];

const results = new Map<string, CliResult>();
let artifacts: string[] = [];

afterAll(removeTempDirs);

beforeAll(async () => {
  const { env, home } = await sandbox();
  await mkdir(path.join(home, 'runs', 'corrupt'), { recursive: true });
  await writeFile(path.join(home, 'runs', 'corrupt', 'state.json'), '{"version": 1, "runId": "corr');
  await mkdir(path.join(home, 'runs', 'alien'), { recursive: true });
  await writeFile(path.join(home, 'runs', 'alien', 'state.json'), JSON.stringify({ version: 99, runId: 'alien' }));
  const out = await pool(CASES, 4, (c) => cli(c.args, { ...env, ...(c.env ?? {}) }));
  CASES.forEach((c, i) => results.set(c.name, out[i]!));
  artifacts = (await runArtifacts(home)).filter((a) => !a.startsWith('corrupt/') && !a.startsWith('alien/'));
}, 120_000);

describe('bad command lines and missing AWS set-up', () => {
  for (const c of CASES) {
    it(`${c.name}: exit ${c.code}, a clear message and a hint`, () => {
      const r = results.get(c.name)!;
      expect(r.code, `${r.stderr}${r.stdout}`).toBe(c.code);
      expect(r.stderr).toMatch(c.message);
      expect(r.stderr).toMatch(/^hint: .+/m);
      expect(r.stderr).not.toMatch(/internal error|    at /);
    });
  }

  it('none of them made an AWS call or left a run behind', () => {
    expect(artifacts).toEqual([]);
  });
});
