/**
 * Shared set-up for end-to-end tests of the local target: a CLI environment whose server listens on a
 * free port with its own data directory, a lab runner that parses the run document, and a /proc scan
 * for postgres processes left running.
 */
import { expect } from 'vitest';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBasePort } from '../../src/local/core/ports.js';
import { killAll, makeCliEnv, runCli, type CliEnv, type CliResult } from './cli.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as { port: number }).port;
      srv.close(() => resolve(p));
    });
  });
}

/** postgres processes running on a data directory under `dir`, from /proc. */
export function postgresUnder(dir: string): number[] {
  return serversUnder(dir, /postgres$/);
}

/** Pids of mariadbd processes whose data directory is under `dir`. */
export function mariadbUnder(dir: string): number[] {
  return serversUnder(dir, /mariadbd$/);
}

function serversUnder(dir: string, program: RegExp): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.some((a) => program.test(a)) && args.some((a) => a.startsWith(dir) || a.startsWith(`--datadir=${dir}`))) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

export interface LocalCli {
  env: CliEnv;
  port: number;
  dataDir: string;
  /** The variables that point a spawned CLI at this server (for runCli with its own options). */
  extraEnv: Record<string, string>;
  cli(args: string[], timeoutMs?: number): Promise<CliResult>;
  /** `run <lab> --local --yes --json`: the exit and the parsed run document. */
  runLab(lab: string, more?: string[], timeoutMs?: number): Promise<{ r: CliResult; doc: any }>;
  /** Stop the server, kill stragglers, remove the data directory. */
  close(): Promise<void>;
}

export async function localCli(moreEnv: Record<string, string> = {}): Promise<LocalCli> {
  const env = makeCliEnv();
  const port = await freePort();
  // A data dir the unprivileged postgres user can traverse (the CLI env's temp dir is 0700).
  const dataDir = mkdtempSync(join(tmpdir(), 'alab-e2e-data-'));
  chmodSync(dataDir, 0o755);
  const extra = {
    AURORA_LAB_LOCAL_PORT: String(port),
    AURORA_LAB_LOCAL_DATA: dataDir,
    AURORA_LAB_LOCAL_PORT_BASE: String(randomBasePort()),
    AURORA_LAB_LOCAL_DELAY_MS: '20',
    ...moreEnv,
  };
  const cli = (args: string[], timeoutMs = 180_000) => runCli(env, args, { env: extra, timeoutMs });
  const runLab = async (lab: string, more: string[] = [], timeoutMs = 180_000) => {
    const r = await cli(['run', lab, '--local', '--yes', '--json', ...more], timeoutMs);
    try {
      return { r, doc: JSON.parse(r.stdout) };
    } catch {
      throw new Error(`run ${lab} printed no JSON (exit ${r.code})\n${r.stderr.slice(-3000)}`);
    }
  };
  const close = async () => {
    await cli(['local', 'stop'], 60_000).catch(() => undefined);
    killAll();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { env, port, dataDir, extraEnv: extra, cli, runLab, close };
}

/**
 * Steps a local run may skip: the EC2 network set-up the local target skips (capability network:
 * false), global-database's fallback class lookup, needed only when the first lookup finds none, and
 * serverless-v2's second version lookup, needed only when the default version cannot pause.
 */
export const LOCAL_MAY_SKIP = new Set(['find-vpc', 'check-vpc', 'find-subnets', 'subnet-group', 'security-group', 'allow-caller', 'find-class-fallback', 'find-pause-version']);

/**
 * Run a lab with --local for `engine` and require what every local run must do: exit 0, every check
 * passed, nothing skipped but LOCAL_MAY_SKIP (and the secondary region's steps), everything it made
 * deleted, and no database server of it left running. Returns the run's --json document.
 */
export async function passesLocally(local: LocalCli, lab: string, engine: string, more: string[] = [], timeoutMs = 300_000) {
  const { r, doc } = await local.runLab(lab, ['--engine', engine, ...more], timeoutMs);
  expect(r.code, `${r.stderr.slice(-3000)}\n${serverWarnings(local)}`).toBe(0);
  expect(doc).toMatchObject({ lab, engine, target: 'local', status: 'succeeded' });
  expect(doc.checks.length).toBeGreaterThan(0);
  expect(doc.checks.filter((c: { passed: boolean }) => !c.passed)).toEqual([]);
  const skipped = doc.steps.filter((s: { status: string; id: string }) => s.status === 'skipped').map((s: { id: string }) => s.id);
  expect(skipped.filter((id: string) => !LOCAL_MAY_SKIP.has(id) && !id.endsWith('-secondary'))).toEqual([]);
  expect(doc.resources.every((x: { status: string }) => x.status === 'deleted')).toBe(true);
  expect([...postgresUnder(local.dataDir), ...mariadbUnder(local.dataDir)]).toEqual([]);
  return doc;
}

/** The warnings in the local server's log (a data-plane refusal says there why a resource failed). */
function serverWarnings(local: LocalCli): string {
  try {
    const lines = readFileSync(join(local.env.home, 'local', 'server.log'), 'utf8').split('\n');
    return ['local server warnings:', ...lines.filter((l) => / warn /.test(l)).slice(-20)].join('\n');
  } catch {
    return 'no local server log';
  }
}
