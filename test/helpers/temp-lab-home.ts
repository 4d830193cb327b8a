/** Each test of the calling file gets its own AURORA_LAB_HOME in the temp dir, removed (and the old value put back) afterwards. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** Registers the hooks; call the returned function inside a test for the current home. */
export function useTempLabHome(prefix: string): () => string {
  let home = '';
  let previous: string | undefined;
  beforeEach(() => {
    previous = process.env.AURORA_LAB_HOME;
    home = mkdtempSync(path.join(tmpdir(), prefix));
    process.env.AURORA_LAB_HOME = home;
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.AURORA_LAB_HOME;
    else process.env.AURORA_LAB_HOME = previous;
    rmSync(home, { recursive: true, force: true });
  });
  return () => home;
}
