/**
 * Stops the fixture's PostgreSQL (fast shutdown, as a crash of the writer looks to clients) and
 * starts it again on the same data directory, port and settings: the postmaster's own command line,
 * user and environment are read from /proc (Linux). The fixture has no restart of its own, and its
 * stop() removes the data directory, so a restarted server must be stopped with `stopRestarted`
 * before the fixture's stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlSession } from '../../src/sql/types.js';

export interface Postmaster {
  pid: number;
  dataDir: string;
  argv: string[];
  env: Record<string, string>;
  uid: number;
  gid: number;
}

export async function findPostmaster(admin: SqlSession): Promise<Postmaster> {
  const { rows } = await admin.query('show data_directory');
  const dataDir = String(rows[0]!.data_directory);
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  const env = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter((kv) => kv.includes('='))
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
  const gid = Number(/^Gid:\s+(\d+)/m.exec(status)![1]);
  return { pid, dataDir, argv, env, uid, gid };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export async function stopPostmaster(pm: Postmaster, pid = pm.pid): Promise<void> {
  process.kill(pid, 'SIGINT'); // fast shutdown
  await until('PostgreSQL to stop', () => !alive(pid) && !existsSync(join(pm.dataDir, 'postmaster.pid')));
}

export async function startPostmaster(pm: Postmaster): Promise<ChildProcess> {
  const child = spawn(pm.argv[0]!, pm.argv.slice(1), {
    cwd: pm.dataDir,
    env: pm.env,
    stdio: 'ignore',
    detached: true,
    ...(process.getuid?.() === 0 ? { uid: pm.uid, gid: pm.gid } : {}),
  });
  child.unref();
  const ready = (): boolean => {
    try {
      return readFileSync(join(pm.dataDir, 'postmaster.pid'), 'utf8').split('\n')[7]?.trim() === 'ready';
    } catch {
      return false;
    }
  };
  await until('PostgreSQL to accept connections', () => ready() || child.exitCode !== null);
  if (child.exitCode !== null) throw new Error(`restarted PostgreSQL exited with ${child.exitCode}`);
  return child;
}

export async function stopRestarted(pm: Postmaster, child: ChildProcess | undefined): Promise<void> {
  if (child?.pid !== undefined && child.exitCode === null && alive(child.pid)) await stopPostmaster(pm, child.pid);
}
