/**
 * A ready-made data directory that new MariaDB writers (and replicas of a writer made from it) copy
 * instead of running mariadb-install-db: install-db costs ~1 s (more on a busy machine), a copy of its
 * ~25 MB result a few tens of ms. Its only account for the local plane is the OS user we run as
 * (unix_socket); each cluster's master user is created on its writer (maria-setup.ts).
 *
 * Keyed by MariaDB version, our uid and the server user's uid: the socket account is named after the
 * former, the files are owned by the latter.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureOwnedDir, ensureTraversableDir, type RunAsUser } from '../../core/os-user.js';
import type { MariaBinaries } from './maria-binaries.js';
import { installDataDir } from './maria-server.js';

/** Outside the data dir, so copies of the template do not carry it. */
const READY_MARK = 'ready';
/** Bump when what the template contains changes, so old templates are not reused. */
const TEMPLATE_VERSION = 1;

/** The template's data dir under `templateRoot` (made on first use; safe when processes race to make it). */
export async function ensureMariaTemplate(templateRoot: string, binaries: MariaBinaries, user: RunAsUser | undefined): Promise<string> {
  const dir = join(templateRoot, `mariadb${binaries.version}-v${TEMPLATE_VERSION}-${process.getuid?.() ?? 0}-${user?.uid ?? 'self'}`);
  const dataDir = join(dir, 'data');
  if (existsSync(join(dir, READY_MARK))) return dataDir;
  ensureTraversableDir(templateRoot);
  const work = `${dir}.tmp-${process.pid}-${Date.now()}`;
  try {
    ensureTraversableDir(work);
    ensureOwnedDir(join(work, 'data'), user);
    await installDataDir(binaries, user, join(work, 'data'), work);
    writeFileSync(join(work, READY_MARK), '');
    try {
      renameSync(work, dir);
    } catch {
      // Another process made it first (or a half-made one is in the way): use theirs if complete.
      if (!existsSync(join(dir, READY_MARK))) {
        rmSync(dir, { recursive: true, force: true });
        renameSync(work, dir);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dataDir;
}

/** Is `dataDir` a template made by ensureMariaTemplate? */
export function isMariaTemplate(dataDir: string): boolean {
  return existsSync(join(dataDir, '..', READY_MARK));
}
