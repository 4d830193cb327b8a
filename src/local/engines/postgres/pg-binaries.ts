/**
 * Finds the PostgreSQL server programs. The local target needs real initdb/postgres; pg_basebackup is
 * needed for replicas and snapshots, pg_rewind only makes rejoining an old writer faster.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { isExecutable } from '../../core/os-user.js';
import { LocalTargetError } from '../../../errors.js';

export interface PgBinaries {
  dir: string;
  initdb: string;
  pgCtl: string;
  postgres: string;
  pgBasebackup: string;
  /** Absent when the installation has no pg_rewind: an old writer is then re-cloned instead. */
  pgRewind?: string;
  /** Major version, e.g. 15. */
  majorVersion: number;
  /** Major and minor as `postgres --version` reports them, e.g. "15.18" (RDS spells versions so). */
  version: string;
}

function candidateDirs(env: NodeJS.ProcessEnv): string[] {
  const dirs: string[] = [];
  // PATH often holds symlinks (/usr/local/bin/initdb) to one bindir without pg_basebackup next to it,
  // so the real bindirs come first and PATH last.
  try {
    const out = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    if (out.trim()) dirs.push(out.trim());
  } catch {
    // no pg_config: fine
  }
  try {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) dirs.push(join('/usr/lib/postgresql', v, 'bin'));
  } catch {
    // not Debian's layout
  }
  for (const d of (env.PATH ?? '').split(delimiter)) if (d) dirs.push(d);
  return dirs;
}

let cached: PgBinaries | undefined;

/** Locate the binaries: AURORA_LAB_PG_BIN (or `binDir`) wins, else pg_config, Debian's layout, PATH. */
export function findPgBinaries(options: { binDir?: string; env?: NodeJS.ProcessEnv } = {}): PgBinaries {
  const env = options.env ?? process.env;
  const explicit = options.binDir ?? env.AURORA_LAB_PG_BIN;
  if (!explicit && !options.env && cached) return cached;
  const dirs = explicit ? [explicit] : candidateDirs(env);
  const dir = dirs.find((d) => isExecutable(join(d, 'initdb')) && isExecutable(join(d, 'postgres')));
  if (!dir) {
    throw new LocalTargetError(
      explicit
        ? `No PostgreSQL server binaries (initdb, postgres) in AURORA_LAB_PG_BIN=${explicit}.`
        : 'PostgreSQL server binaries (initdb, postgres) were not found.',
      {
        code: 'LOCAL_PG_MISSING',
        hint: 'Install PostgreSQL (for example `apt-get install postgresql`) or set AURORA_LAB_PG_BIN to its bin directory.',
      },
    );
  }
  const pick = (name: string) => {
    const inDir = join(dir, name);
    if (isExecutable(inDir)) return inDir;
    return dirs.map((d) => join(d, name)).find(isExecutable);
  };
  const pgBasebackup = pick('pg_basebackup');
  const pgCtl = pick('pg_ctl');
  if (!pgBasebackup || !pgCtl) {
    throw new LocalTargetError(`PostgreSQL in ${dir} has no ${pgBasebackup ? 'pg_ctl' : 'pg_basebackup'}.`, {
      code: 'LOCAL_PG_MISSING',
      hint: 'Install the full PostgreSQL server package (`apt-get install postgresql`) or set AURORA_LAB_PG_BIN.',
    });
  }
  const postgres = join(dir, 'postgres');
  let majorVersion = 0;
  let version = '0.0';
  try {
    const out = execFileSync(postgres, ['--version'], { encoding: 'utf8' });
    // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"; a pre-release ("17beta1") has no minor yet.
    const m = /\(PostgreSQL\) (\d+)(?:\.(\d+))?/.exec(out) ?? /(\d+)(?:\.(\d+))?/.exec(out);
    majorVersion = Number(m?.[1] ?? 0);
    version = `${majorVersion}.${m?.[2] ?? 0}`;
  } catch (cause) {
    throw new LocalTargetError(`${postgres} --version failed.`, { code: 'LOCAL_PG_BROKEN', cause });
  }
  const found: PgBinaries = {
    dir,
    initdb: join(dir, 'initdb'),
    pgCtl,
    postgres,
    pgBasebackup,
    pgRewind: pick('pg_rewind'),
    majorVersion,
    version,
  };
  if (!explicit && !options.env) cached = found;
  return found;
}
