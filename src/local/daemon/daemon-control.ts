/**
 * Start, find and stop the background local server from another process (`local start|stop|status`
 * and the local target). The server is `node bin/aurora-lab.js local serve`, detached, its output
 * appended to server.log; it is ready when GET /health answers.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalTargetError } from '../../errors.js';
// Not server-daemon.js: that loads the whole model, data plane and pg, which a client never uses.
import { DEFAULT_LOCAL_PORT, readServerInfo, SERVER_INFO, SERVER_LOG, type ServerInfo } from './daemon-files.js';
import { defaultDataRoot, ensureTraversableDir } from '../core/os-user.js';
import { isAlive, reapLeftovers } from '../core/process-registry.js';

export const BIN_PATH = fileURLToPath(new URL('../../../bin/aurora-lab.js', import.meta.url));

/** The port asked for: an explicit one, else AURORA_LAB_LOCAL_PORT, else 4510. */
export function localPort(explicit?: string | number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = explicit ?? (env.AURORA_LAB_LOCAL_PORT || undefined) ?? DEFAULT_LOCAL_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new LocalTargetError(`"${raw}" is not a TCP port`, { code: 'LOCAL_BAD_PORT', hint: 'use a number from 1024 to 65535' });
  }
  return port;
}

/** Is pid a `local serve` of ours (and not an unrelated process that reused the pid)? */
function isServeProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes('local') && args.includes('serve');
  } catch {
    return !existsSync('/proc/self');
  }
}

export async function healthy(url: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.text();
    return res.ok;
  } catch {
    return false;
  }
}

/** The server recorded in controlDir if its process is alive and answers /health. */
export async function findServer(controlDir: string): Promise<ServerInfo | undefined> {
  const info = readServerInfo(controlDir);
  if (!info || !isServeProcess(info.pid)) return undefined;
  return (await healthy(info.url)) ? info : undefined;
}

function logTail(controlDir: string, lines = 8): string[] {
  try {
    return readFileSync(join(controlDir, SERVER_LOG), 'utf8').trimEnd().split('\n').slice(-lines);
  } catch {
    return [];
  }
}

/**
 * The running server, or a new one on `port`: idempotent, and safe when two processes race (the loser's
 * server exits and both end up with the winner's).
 */
export async function ensureServer(opts: { controlDir: string; port: number; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<{ info: ServerInfo; started: boolean }> {
  const running = await findServer(opts.controlDir);
  if (running) return { info: running, started: false };
  const stale = readServerInfo(opts.controlDir);
  if (stale && !isServeProcess(stale.pid)) rmSync(join(opts.controlDir, SERVER_INFO), { force: true });
  ensureTraversableDir(opts.controlDir);
  const out = openSync(join(opts.controlDir, SERVER_LOG), 'a', 0o600);
  let exited: number | null | undefined;
  let child;
  try {
    child = spawn(process.execPath, [BIN_PATH, 'local', 'serve', '--port', String(opts.port)], {
      detached: true,
      stdio: ['ignore', out, out],
      env: opts.env ?? process.env,
    });
  } finally {
    closeSync(out);
  }
  child.on('exit', (code) => (exited = code));
  child.on('error', () => (exited = -1));
  child.unref();
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    const info = readServerInfo(opts.controlDir);
    if (info && isServeProcess(info.pid) && (await healthy(info.url, 500))) return { info, started: info.pid === child.pid };
    if (exited !== undefined) {
      // Another process may have started one at the same moment: ours exits, theirs serves.
      const other = await findServer(opts.controlDir);
      if (other) return { info: other, started: false };
      throw new LocalTargetError(`The local server exited during start (code ${exited}).`, {
        code: 'LOCAL_START_FAILED',
        details: logTail(opts.controlDir),
        hint: `see ${join(opts.controlDir, SERVER_LOG)}`,
      });
    }
    await sleep(50);
  }
  if (child.pid) {
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  throw new LocalTargetError('The local server did not become ready in time.', {
    code: 'LOCAL_START_TIMEOUT',
    details: logTail(opts.controlDir),
    hint: `see ${join(opts.controlDir, SERVER_LOG)}`,
  });
}

export interface StopResult {
  /** The server's pid, when one was running. */
  pid?: number;
  /** It had to be killed (it did not stop within the grace period). */
  killed: boolean;
  /** PostgreSQL processes found still running afterwards and stopped. */
  reaped: number;
  purged?: string;
}

/** SIGTERM, wait, SIGKILL; then stop any postgres it left behind. With purge, delete the data too. */
export async function stopServer(opts: { controlDir: string; graceMs?: number; purge?: boolean }): Promise<StopResult> {
  const info = readServerInfo(opts.controlDir);
  const result: StopResult = { killed: false, reaped: 0 };
  if (info && isServeProcess(info.pid)) {
    result.pid = info.pid;
    process.kill(info.pid, 'SIGTERM');
    const deadline = Date.now() + (opts.graceMs ?? 20_000);
    while (isAlive(info.pid) && Date.now() < deadline) await sleep(50);
    if (isAlive(info.pid)) {
      result.killed = true;
      try {
        process.kill(info.pid, 'SIGKILL');
      } catch {
        // exited just now
      }
      const killDeadline = Date.now() + 5000;
      while (isAlive(info.pid) && Date.now() < killDeadline) await sleep(20);
    }
  }
  rmSync(join(opts.controlDir, SERVER_INFO), { force: true });
  const dataDir = info?.dataDir ?? defaultDataRoot();
  if (existsSync(dataDir)) result.reaped = (await reapLeftovers(dataDir)).length;
  if (opts.purge) {
    rmSync(dataDir, { recursive: true, force: true });
    result.purged = dataDir;
  }
  return result;
}
