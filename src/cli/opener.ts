/** The system's opener for a file (xdg-open on Linux and BSD, open on macOS), found on PATH. */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export function findOpener(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const names = process.platform === 'darwin' ? ['open'] : ['xdg-open', 'open'];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Start the opener and let it run on its own (a browser outlives this command). */
export function openFile(opener: string, file: string): void {
  const child = spawn(opener, [file], { detached: true, stdio: 'ignore' });
  child.on('error', () => {});
  child.unref();
}
