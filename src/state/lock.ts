/**
 * One process drives a run at a time. The lock is a file created with O_EXCL holding the owner's pid;
 * a lock whose process is gone (kill -9, a crash) is stale and is taken over.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StateError } from '../errors.js';

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

export interface RunLock {
  release(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Lock files this process holds: a lock file naming our own pid is ours only if it is listed here. */
const held = new Set<string>();

export async function acquireLock(dir: string, runId: string): Promise<RunLock> {
  const file = path.resolve(dir, 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      const info: LockInfo = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
      await handle.writeFile(JSON.stringify(info));
      await handle.close();
      held.add(file);
      let released = false;
      const release = async () => {
        if (released) return;
        released = true;
        held.delete(file);
        await unlink(file).catch(() => {});
      };
      return { release, [Symbol.asyncDispose]: release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = await readLock(file);
    // Our own pid in the file is a stale lock of an earlier process that had the same pid (pid reuse in
    // a container), unless this process holds it: then a second driver in this process is refused too.
    const ours = holder?.pid === process.pid;
    if (holder && holder.host === os.hostname() && ((ours && held.has(file)) || (!ours && alive(holder.pid)))) {
      throw new StateError(`run ${runId} is in use by process ${holder.pid} (since ${holder.startedAt})`, {
        code: 'RUN_LOCKED',
        hint: `wait for it to finish, or stop it (kill ${holder.pid}); two processes must not drive one run`,
      });
    }
    if (holder && holder.host !== os.hostname()) {
      throw new StateError(`run ${runId} is locked by process ${holder.pid} on ${holder.host}`, {
        code: 'RUN_LOCKED',
        hint: `if that machine no longer runs it, delete ${file}`,
      });
    }
    // Stale (the owner died) or unreadable: take it over.
    await unlink(file).catch(() => {});
  }
  throw new StateError(`could not lock run ${runId}`, { code: 'RUN_LOCKED', hint: `delete ${file} if no aurora-lab process is running` });
}

/**
 * Whether a process still drives the run in `dir`: its lock is held by a live process on this host
 * (or by another host, which we cannot see into). A run whose state says "running" without one was
 * killed (kill -9, a closed pipe, a crash) and is as resumable as an interrupted run.
 */
export async function isDriven(dir: string): Promise<boolean> {
  const holder = await readLock(path.resolve(dir, 'lock'));
  if (!holder) return false;
  return holder.host !== os.hostname() || alive(holder.pid);
}

async function readLock(file: string): Promise<LockInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(file, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' ? info : undefined;
  } catch {
    return undefined;
  }
}
