/** The fault tests' figures, merged into one JSON file that the README quotes. */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const FIGURES_FILE = path.join(__dirname, 'fault-figures.json');

export async function mergeFigures(part: Record<string, unknown> & { byKind?: Record<string, number> }): Promise<void> {
  const old = await readFile(FIGURES_FILE, 'utf8').then(JSON.parse, () => ({}));
  await writeFile(FIGURES_FILE, `${JSON.stringify({ ...old, ...part, byKind: { ...(old.byKind ?? {}), ...(part.byKind ?? {}) }, writtenAt: new Date().toISOString() }, null, 2)}\n`);
}
