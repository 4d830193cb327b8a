/**
 * A record of the processes a local data plane started (pids, addresses and ports, data dirs) in its base directory,
 * so that the next start after a crash can find and stop what is still running.
 */
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalTargetError } from '../../errors.js';

export interface RecordedServer {
  instanceId: string;
  pid: number;
  /** The instance endpoint's address (absent in records found on disk). */
  host?: string;
  port: number;
  dataDir: string;
}

export interface RegistryFile {
  version: 1;
  /** The process that owns this base dir while it runs. */
  ownerPid: number;
  servers: RecordedServer[];
  proxies: { name: string; host: string; port: number }[];
}

export const REGISTRY_NAME = 'processes.json';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Is `pid` a database server (postgres -D dir, or mariadbd --datadir=dir) running on `dataDir`, and
 * not an unrelated process that reused the pid?
 */
function isServerOn(pid: number, dataDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((a) => /(postgres|mariadbd)$/.test(a)) && (cmdline.includes(dataDir) || cmdline.includes(`--datadir=${dataDir}`));
  } catch {
    return false;
  }
}

export function readRegistry(baseDir: string): RegistryFile | undefined {
  try {
    return JSON.parse(readFileSync(join(baseDir, REGISTRY_NAME), 'utf8')) as RegistryFile;
  } catch {
    return undefined;
  }
}

export function writeRegistry(baseDir: string, reg: RegistryFile): void {
  const file = join(baseDir, REGISTRY_NAME);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(reg, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}

/** Postmasters found from postmaster.pid files under <baseDir>/instances, for servers the registry missed. */
function postmastersOnDisk(baseDir: string): RecordedServer[] {
  const found: RecordedServer[] = [];
  const root = join(baseDir, 'instances');
  if (!existsSync(root)) return found;
  for (const id of readdirSync(root)) {
    const dataDir = join(root, id, 'data');
    try {
      const lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
      found.push({ instanceId: id, pid: Number(lines[0]), port: Number(lines[3]), dataDir });
    } catch {
      // no server recorded there
    }
  }
  return found;
}

/**
 * Stop every postgres a previous, crashed run left behind in this base dir. Refuses when the run that
 * owns the dir is still alive: its servers are in use.
 */
export async function reapLeftovers(baseDir: string): Promise<RecordedServer[]> {
  const reg = readRegistry(baseDir);
  if (reg && reg.ownerPid !== process.pid && isAlive(reg.ownerPid)) {
    throw new LocalTargetError(`Another aurora-lab process (pid ${reg.ownerPid}) is using ${baseDir}.`, {
      code: 'LOCAL_BUSY',
      hint: 'Stop it first (`aurora-lab local stop`), or give this run another data directory (AURORA_LAB_LOCAL_DATA).',
    });
  }
  const candidates = [...(reg?.servers ?? []), ...postmastersOnDisk(baseDir)];
  const seen = new Set<number>();
  const leftovers = candidates.filter((s) => {
    if (seen.has(s.pid) || !isServerOn(s.pid, s.dataDir)) return false;
    seen.add(s.pid);
    return true;
  });
  // An immediate stop is enough: nothing of a crashed run's data is worth a checkpoint.
  for (const s of leftovers) {
    try {
      process.kill(s.pid, 'SIGQUIT');
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + 5000;
  while (leftovers.some((s) => isAlive(s.pid)) && Date.now() < deadline) await sleep(20);
  for (const s of leftovers) if (isAlive(s.pid)) process.kill(s.pid, 'SIGKILL');
  return leftovers;
}
