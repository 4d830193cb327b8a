/**
 * Finds the MariaDB server programs that stand in for Aurora MySQL locally: mariadbd and
 * mariadb-install-db are required; mariadb-backup is needed for replicas cloned from a running writer
 * and for snapshots.
 */
import { execFileSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { isExecutable } from '../../core/os-user.js';
import { LocalTargetError } from '../../../errors.js';

export interface MariaBinaries {
  mariadbd: string;
  installDb: string;
  /** mariadb-backup, when installed. */
  backup?: string;
  /** mariadb-binlog and the mariadb client, when installed (point-in-time recovery replays with them). */
  binlog?: string;
  client?: string;
  /** As `mariadbd --version` reports it, e.g. "10.11.6". */
  version: string;
}

const HINT = 'Install MariaDB (for example `apt-get install mariadb-server mariadb-backup`) or set AURORA_LAB_MARIADB_BIN to the directory that holds mariadbd.';

/** mariadbd lives in sbin, the tools in bin: each is looked up along the whole list. */
function candidateDirs(explicit: string | undefined, env: NodeJS.ProcessEnv): string[] {
  if (explicit) return [explicit];
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  dirs.push('/usr/sbin', '/usr/bin');
  return dirs;
}

const versions = new Map<string, string>();

function versionOf(mariadbd: string): string {
  const known = versions.get(mariadbd);
  if (known) return known;
  let out: string;
  try {
    out = execFileSync(mariadbd, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (cause) {
    throw new LocalTargetError(`${mariadbd} --version failed.`, { code: 'LOCAL_MYSQL_BROKEN', cause, hint: HINT });
  }
  // "mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)"
  const m = /Ver\s+(\d+\.\d+\.\d+)/.exec(out) ?? /(\d+\.\d+\.\d+)/.exec(out);
  if (!m) throw new LocalTargetError(`Cannot read a version from \`${mariadbd} --version\`: ${out.trim()}`, { code: 'LOCAL_MYSQL_BROKEN', hint: HINT });
  versions.set(mariadbd, m[1]!);
  return m[1]!;
}

/** Locate the binaries: AURORA_LAB_MARIADB_BIN (or `binDir`) wins, else PATH, else /usr/sbin and /usr/bin. */
export function findMariaBinaries(options: { binDir?: string; env?: NodeJS.ProcessEnv } = {}): MariaBinaries {
  const env = options.env ?? process.env;
  const explicit = options.binDir ?? env.AURORA_LAB_MARIADB_BIN;
  const dirs = candidateDirs(explicit, env);
  const pick = (...names: string[]) => {
    for (const d of dirs) for (const n of names) if (isExecutable(join(d, n))) return join(d, n);
    return undefined;
  };
  const mariadbd = pick('mariadbd');
  const installDb = pick('mariadb-install-db', 'mysql_install_db');
  if (!mariadbd || !installDb) {
    const missing = [mariadbd ? undefined : 'mariadbd', installDb ? undefined : 'mariadb-install-db'].filter(Boolean).join(', ');
    throw new LocalTargetError(
      explicit ? `No MariaDB server programs (${missing}) in AURORA_LAB_MARIADB_BIN=${explicit}.` : `MariaDB server programs (${missing}) were not found.`,
      { code: 'LOCAL_MYSQL_MISSING', hint: HINT },
    );
  }
  return {
    mariadbd,
    installDb,
    backup: pick('mariadb-backup', 'mariabackup'),
    binlog: pick('mariadb-binlog', 'mysqlbinlog'),
    client: pick('mariadb', 'mysql'),
    version: versionOf(mariadbd),
  };
}
