import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, rename, mkdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write a file so that a reader (or a crash) sees either the old content or the new, never half:
 * write a temp file beside it, fsync it, rename it over the target. `durable: false` skips the fsync,
 * for files whose loss in a power cut costs nothing (a dry run's state and simulated account, a
 * report that can be written again): a process crash still sees old or new, and the fsync was most
 * of a dry run's time between steps. Such a write is also done synchronously: it is a few kilobytes to
 * the page cache, and the five thread-pool round trips of the asynchronous calls left a dry run idle
 * for about a fifth of its steps' time.
 */
export async function writeFileAtomic(file: string, data: string, mode = 0o600, durable = true): Promise<void> {
  if (!durable) return writeFileAtomicNow(file, data, mode);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = tempBeside(file);
  const handle = await open(tmp, 'w', mode);
  try {
    await handle.writeFile(data, 'utf8');
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

function writeFileAtomicNow(file: string, data: string, mode: number): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = tempBeside(file);
  try {
    writeFileSync(tmp, data, { encoding: 'utf8', mode });
    renameSync(tmp, file);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // it was never made, or is gone
    }
    throw err;
  }
}

/** Unique per write: parallel steps of one run may save at the same millisecond. */
function tempBeside(file: string): string {
  return `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}
