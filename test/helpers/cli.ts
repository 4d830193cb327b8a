/**
 * Spawn bin/aurora-lab.js (the built dist) with a temp AURORA_LAB_HOME and HOME, no AWS credentials
 * and the instance metadata service disabled, and collect stdout, stderr and the exit code. Every
 * spawn has a timeout, and every child still running when a test file ends is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(ROOT, 'bin', 'aurora-lab.js');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliEnv {
  /** AURORA_LAB_HOME of the spawned CLI. */
  home: string;
  /** HOME of the spawned CLI (empty: no ~/.aws). */
  userHome: string;
  cleanup(): void;
}

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

export function makeCliEnv(): CliEnv {
  const base = mkdtempSync(path.join(os.tmpdir(), 'aurora-lab-cli-'));
  tempDirs.push(base);
  return {
    home: path.join(base, 'lab-home'),
    userHome: path.join(base, 'home'),
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** Variables that would point the CLI at a real account, a profile or a region; always removed. */
const SCRUBBED = /^(AWS_|AURORA_LAB_|NODE_OPTIONS$|CI$|FORCE_COLOR$)/;

export function cliEnvVars(env: CliEnv, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!SCRUBBED.test(k) && v !== undefined) out[k] = v;
  Object.assign(out, {
    AURORA_LAB_HOME: env.home,
    HOME: env.userHome,
    USERPROFILE: env.userHome,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(env.userHome, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(env.userHome, '.aws', 'credentials'),
    NO_COLOR: '1',
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  nodeArgs?: string[];
  timeoutMs?: number;
  /** Called with each chunk of stderr as it arrives (to act on progress). */
  onStderr?: (all: string, child: ChildProcess) => void;
  onSpawn?: (child: ChildProcess) => void;
}

export function runCli(env: CliEnv, args: string[], opts: SpawnOptions = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...args], {
    cwd: ROOT,
    env: cliEnvVars(env, opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  opts.onSpawn?.(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    opts.onStderr?.(stderr, child);
  });
  const timeoutMs = opts.timeoutMs ?? 45_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aurora-lab ${args.join(' ')} did not finish within ${timeoutMs} ms\nstderr:\n${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      children.delete(child);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Kill whatever is still running and remove the temp dirs (call from afterAll). */
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  children.clear();
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}
