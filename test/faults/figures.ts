/**
 * The fault tests' figures, merged into one JSON file. A test run writes them to the temp directory;
 * `npm run figures` writes test/faults/fault-figures.json, the file the README quotes, so an ordinary
 * test run leaves the checkout clean.
 *
 * Several files (the parts of the fault matrix, the SIGKILL test) write their counts from different
 * workers at once: each merge holds a lock file, counts add up, and a merge from another vitest run
 * (another parent process) starts the file afresh, so figures never add up across runs.
 */
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const FIGURES_FILE = process.env.AURORA_LAB_FIGURES_FILE || path.join(tmpdir(), 'aurora-lab-fault-figures.json');

type Figures = Record<string, unknown> & { byKind?: Record<string, number> };

/** The vitest run a worker belongs to: its parent, the vitest process. */
const RUN = `vitest-${process.ppid}`;

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const lock = `${FIGURES_FILE}.lock`;
  for (let tries = 0; ; tries++) {
    try {
      const h = await open(lock, 'wx');
      await h.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a worker that died mid-merge: after about 10 s it is taken as stale.
      if (tries > 1000) await rm(lock, { force: true });
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { force: true });
  }
}

function add(old: unknown, part: unknown): unknown {
  if (typeof part === 'number') return (typeof old === 'number' ? old : 0) + part;
  if (Array.isArray(part)) return [...new Set([...(Array.isArray(old) ? old : []), ...part])].sort();
  if (part && typeof part === 'object') {
    const base = old && typeof old === 'object' && !Array.isArray(old) ? (old as Record<string, unknown>) : {};
    return { ...base, ...Object.fromEntries(Object.entries(part).map(([k, v]) => [k, add(base[k], v)])) };
  }
  return part;
}

export async function mergeFigures(part: Figures): Promise<void> {
  await withLock(async () => {
    const read = (await readFile(FIGURES_FILE, 'utf8').then(JSON.parse, () => ({}))) as Figures;
    const old = read.run === RUN ? read : {};
    const { run: _run, writtenAt: _at, ...counts } = old;
    const merged = add(counts, part) as Figures;
    await writeFile(FIGURES_FILE, `${JSON.stringify({ ...merged, run: RUN, writtenAt: new Date().toISOString() }, null, 2)}\n`);
  });
}
