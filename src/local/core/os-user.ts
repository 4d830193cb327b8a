/**
 * PostgreSQL refuses to run as root. When we are root (CI, containers) every server program runs as an
 * unprivileged user (`postgres` if it exists, else `nobody`) through spawn's uid/gid, and the
 * directories it needs are created for that user along a path it can traverse (/root is 0700).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, chownSync, constants, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { LocalTargetError } from '../../errors.js';

export interface RunAsUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function lookupPasswd(name: string): RunAsUser | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name && f.length >= 6) return { name, uid: Number(f[2]), gid: Number(f[3]), home: f[5]! };
    }
  } catch {
    // no /etc/passwd: not a system we can drop privileges on
  }
  return undefined;
}

/** The user server processes run as, or undefined to run as ourselves (we are not root). */
export function serverUser(): RunAsUser | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const user = lookupPasswd('postgres') ?? lookupPasswd('nobody');
  if (!user) {
    throw new LocalTargetError('Running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL.', {
      code: 'LOCAL_NO_USER',
      hint: 'Create one (`useradd -r postgres`) or run aurora-lab as an ordinary user.',
    });
  }
  return user;
}

/** Can `user` reach `path` (execute permission on every existing ancestor)? */
export function traversable(path: string, user: RunAsUser | undefined): boolean {
  if (!user) return true;
  let p = resolve(path);
  for (;;) {
    try {
      const st = statSync(p);
      const mode = st.mode;
      const ok = st.uid === user.uid ? mode & 0o100 : st.gid === user.gid ? mode & 0o010 : mode & 0o001;
      if (!ok) return false;
    } catch {
      // does not exist yet: we will create it traversable
    }
    const parent = dirname(p);
    if (parent === p) return true;
    p = parent;
  }
}

/**
 * Where data directories live: the option, else AURORA_LAB_LOCAL_DATA, else $AURORA_LAB_HOME/local
 * (or ~/.aurora-lab/local) when the server user can reach it, else /var/tmp/aurora-lab-<uid>-<home hash>.
 */
export function defaultDataRoot(option?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (option) return resolve(option);
  if (env.AURORA_LAB_LOCAL_DATA) return resolve(env.AURORA_LAB_LOCAL_DATA);
  const home = env.AURORA_LAB_HOME ? resolve(env.AURORA_LAB_HOME) : join(homedir(), '.aurora-lab');
  const preferred = join(home, 'local');
  if (traversable(preferred, serverUser())) return preferred;
  return fallbackDataRoot(home);
}

/**
 * The data root for a home the server user cannot reach. It is named after the home as well as the
 * uid, so that two homes (two AURORA_LAB_HOME values, as the tests use) never share data directories,
 * a CA or a process record.
 */
export function fallbackDataRoot(home: string): string {
  const tag = createHash('sha256').update(resolve(home)).digest('hex').slice(0, 8);
  return `/var/tmp/aurora-lab-${process.getuid?.() ?? 0}-${tag}`;
}

/**
 * The mode of the directories we make for the local server: readable by their owner only. When the
 * servers run as another user (we are root), others may pass through (0711) to reach the data
 * directories that user owns, but not list or read what is there; otherwise 0700.
 */
export function privateDirMode(user: RunAsUser | undefined = serverUser()): number {
  return user ? 0o711 : 0o700;
}

/** mkdir -p with privateDirMode (only the directories it creates). */
export function ensureTraversableDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: privateDirMode() });
}

/** An existing directory of ours (the data root) narrowed to privateDirMode, whatever made it. */
export function restrictDir(path: string): void {
  ensureTraversableDir(path);
  chmodSync(path, privateDirMode());
}

/** A directory owned by the server user with mode 0700 (what PostgreSQL demands of a data dir). */
export function ensureOwnedDir(path: string, user: RunAsUser | undefined, mode = 0o700): void {
  ensureTraversableDir(dirname(path));
  mkdirSync(path, { recursive: true, mode });
  chmodSync(path, mode);
  if (user) chownSync(path, user.uid, user.gid);
}

export function chownTo(path: string, user: RunAsUser | undefined): void {
  if (user) chownSync(path, user.uid, user.gid);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run a program to completion as the server user. Fails with a LocalTargetError carrying the last
 * lines of stderr (which never contain passwords: those go through files or stdin).
 */
export function runAs(
  file: string,
  args: string[],
  options: { user: RunAsUser | undefined; cwd?: string; env?: NodeJS.ProcessEnv; input?: string; what?: string },
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd ?? '/',
      env: serverEnv(options.user, options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (cause) =>
      reject(new LocalTargetError(`Could not run ${file}: ${cause.message}`, { code: 'LOCAL_EXEC', cause })),
    );
    child.on('close', (code) => {
      if (code === 0) return resolvePromise({ code, stdout, stderr });
      const tail = stderr.trim().split('\n').slice(-5).join('\n');
      reject(
        new LocalTargetError(`${options.what ?? file} failed (exit ${code}): ${tail}`, {
          code: 'LOCAL_EXEC',
          details: stderr.trim() ? stderr.trim().split('\n').slice(-20) : [],
        }),
      );
    });
    // A program that exits before reading its (empty) stdin would raise EPIPE on it: not an error of ours.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** A clean environment for server programs: no PG* variables of ours leak in, HOME is the user's. */
export function serverEnv(user: RunAsUser | undefined, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  if (user) {
    env.HOME = user.home;
    env.USER = user.name;
    env.LOGNAME = user.name;
  }
  env.LC_ALL = 'C';
  return { ...env, ...extra };
}

/** Can this process run the file at `path` (it exists and has an execute bit we may use)? */
export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
