/**
 * A ready-made, cleanly stopped data directory that new writers copy instead of running initdb.
 * initdb costs 0.6-4 s (more on a busy machine); copying its result costs about 0.1 s. The template's
 * bootstrap superuser is `aurora_lab_admin` (local trust only, no password); each cluster's master
 * user is then created as a password-authenticated superuser role, much as Aurora's master user is a
 * role distinct from rdsadmin. Aurora's SQL functions (aurora-functions.ts) are already in template1 and postgres.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Reporter } from '../../../events.js';
import { installAuroraFunctions } from './aurora-functions.js';
import { ensureTraversableDir, type RunAsUser } from '../../core/os-user.js';
import type { PgBinaries } from './pg-binaries.js';
import { PgServer } from './pg-server.js';
import type { PortAllocator } from '../../core/ports.js';

export const TEMPLATE_SUPERUSER = 'aurora_lab_admin';
const READY_MARK = 'aurora-lab-template-ready';
/** Bump when what the template contains changes, so old templates are not reused. */
const TEMPLATE_VERSION = 3;

/** The template's data dir under `root` (made on first use; safe when several processes race to make it). */
export async function ensureDataTemplate(
  root: string,
  binaries: PgBinaries,
  user: RunAsUser | undefined,
  ports: PortAllocator,
  reporter?: Reporter,
): Promise<string> {
  const dir = join(root, `pg${binaries.majorVersion}-v${TEMPLATE_VERSION}-${user?.uid ?? process.getuid?.() ?? 0}`);
  const dataDir = join(dir, 'data');
  if (existsSync(join(dataDir, READY_MARK))) return dataDir;
  ensureTraversableDir(root);
  const work = `${dir}.tmp-${process.pid}-${Date.now()}`;
  const port = await ports.allocate();
  const server = new PgServer({ instanceId: 'template', dir: work, port, binaries, user, superuser: TEMPLATE_SUPERUSER, reporter });
  try {
    await server.initdb(undefined);
    await server.start();
    await installAuroraFunctions(server);
    await server.stop('fast');
    const mark = join(server.dataDir, READY_MARK);
    writeFileSync(mark, '');
    rmSync(join(work, 'postgres.log'), { force: true });
    try {
      renameSync(work, dir);
    } catch {
      // Another process made it first (or a half-made one is in the way): use theirs if complete.
      if (!existsSync(join(dataDir, READY_MARK))) {
        rmSync(dir, { recursive: true, force: true });
        renameSync(work, dir);
      }
    }
  } finally {
    await server.stop('immediate');
    ports.release(port);
    rmSync(work, { recursive: true, force: true });
  }
  return dataDir;
}
