/**
 * What Linux's /proc says about a server process, for the local target's CloudWatch Logs: where its
 * data directory is (its working directory), the settings on its command line (port, socket
 * directory), and the CPU, memory and tasks of the server and its children (Enhanced Monitoring).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface ProcessInfo {
  cwd: string;
  /** `-c name=value` settings of the command line. */
  settings: Record<string, string>;
}

export function processInfo(pid: number): ProcessInfo | undefined {
  try {
    const cwd = readlinkSync(`/proc/${pid}/cwd`);
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const settings: Record<string, string> = {};
    args.forEach((a, i) => {
      const kv = a === '-c' ? args[i + 1] : a.startsWith('--') && a.includes('=') ? a.slice(2) : undefined;
      const eq = kv?.indexOf('=') ?? -1;
      if (kv && eq > 0) settings[kv.slice(0, eq)] = kv.slice(eq + 1);
    });
    return { cwd, settings };
  } catch {
    return undefined;
  }
}

/**
 * User+system CPU ticks of a process and every descendant, how many there are, and when the root
 * started (ticks since boot).
 */
export function treeCpuTicks(rootPid: number): { ticks: number; tasks: number; startTicks: number } {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  let startTicks = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: fields count from its closing one.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(f[1]));
      ticks.set(Number(name), Number(f[11]) + Number(f[12]));
      if (Number(name) === rootPid) startTicks = Number(f[19]);
    } catch {
      // gone meanwhile
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, n = 0; p !== undefined && p > 1 && n < 64; p = parent.get(p), n++) if (p === rootPid) return true;
    return false;
  };
  let total = 0;
  let tasks = 0;
  for (const [pid, t] of ticks) {
    if (!inTree(pid)) continue;
    total += t;
    tasks++;
  }
  return { ticks: total, tasks, startTicks };
}

export function memInfoKb(): { total: number; free: number } {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const get = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { total: get('MemTotal'), free: get('MemAvailable') || get('MemFree') };
}

export function loadAverages(): { load1: number; load5: number; load15: number } {
  const [one, five, fifteen] = readFileSync('/proc/loadavg', 'utf8').split(' ').map(Number);
  return { load1: one!, load5: five!, load15: fifteen! };
}

export function uptimeSeconds(): number {
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}
