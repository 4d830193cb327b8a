/** Spawn the CLI with nothing that could reach AWS: endpoint 127.0.0.1:9, no metadata service, an empty HOME. */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const BIN = path.resolve(__dirname, '../../bin/aurora-lab.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const tempDirs: string[] = [];

/** A temp directory removed by removeTempDirs() (call it in afterAll). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

export async function sandbox(): Promise<{ home: string; userHome: string; env: NodeJS.ProcessEnv }> {
  const root = await tempDir('aurora-lab-bad-');
  const home = path.join(root, 'lab-home');
  const userHome = path.join(root, 'home');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(userHome, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: userHome,
    AURORA_LAB_HOME: home,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_CONFIG_FILE: path.join(userHome, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(userHome, 'no-credentials'),
    NO_COLOR: '1',
    CI: '1',
  };
  return { home, userHome, env };
}

export function cli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Files that only exist once a run has talked to a control plane: state.json (calls) and sim.json. */
export async function runArtifacts(home: string): Promise<string[]> {
  const runs = path.join(home, 'runs');
  const out: string[] = [];
  for (const id of await readdir(runs).catch(() => [] as string[])) {
    for (const f of ['state.json', 'sim.json']) {
      if (await stat(path.join(runs, id, f)).catch(() => undefined)) out.push(`${id}/${f}`);
    }
  }
  return out;
}

/** Run tasks with at most n at a time (each case spawns a node process). */
export async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i]!);
      }
    }),
  );
  return results;
}
