/**
 * The fault tests' figures, merged into one JSON file. A test run writes them to the temp directory;
 * `npm run figures` writes test/faults/fault-figures.json, the file the README quotes, so an ordinary
 * test run leaves the checkout clean.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const FIGURES_FILE = process.env.AURORA_LAB_FIGURES_FILE || path.join(tmpdir(), 'aurora-lab-fault-figures.json');

export async function mergeFigures(part: Record<string, unknown> & { byKind?: Record<string, number> }): Promise<void> {
  const old = await readFile(FIGURES_FILE, 'utf8').then(JSON.parse, () => ({}));
  await writeFile(FIGURES_FILE, `${JSON.stringify({ ...old, ...part, byKind: { ...(old.byKind ?? {}), ...(part.byKind ?? {}) }, writtenAt: new Date().toISOString() }, null, 2)}\n`);
}
