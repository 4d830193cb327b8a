/**
 * A throwaway MariaDB (Debian's mariadb-server 10.11, the MySQL-protocol server installed here) for
 * tests: a fresh data directory in a temp dir, one server on a free 127.0.0.1 port, run as the same
 * unprivileged user as the local PostgreSQL servers when we are root, TLS with a local CA, and a
 * password user `lab` that may do everything. Always call stop() (afterAll / finally): it stops the
 * server and removes its files.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { serverUser } from '../../src/local/core/os-user.js';
import { PortAllocator, randomBasePort } from '../../src/local/core/ports.js';
import { ensureLocalTls } from '../../src/local/endpoints/tls.js';
import { PERFORMANCE_SCHEMA_ARGS } from '../../src/local/engines/mysql/pi-statements.js';

const execFileP = promisify(execFile);

export const MARIADBD = '/usr/sbin/mariadbd';
const INSTALL_DB = '/usr/bin/mariadb-install-db';

/** True where the server is installed (.ci/run installs mariadb-server). */
export function mariadbInstalled(): boolean {
  return existsSync(MARIADBD) && existsSync(INSTALL_DB);
}

export interface TestMariadb {
  host: '127.0.0.1';
  port: number;
  user: 'lab';
  password: string;
  database: 'lab';
  /** PEM of the CA that signed the server's certificate. */
  ca: string;
  /** The server's unix socket: root logs in on it by unix_socket auth when we run as root. */
  socketPath: string;
  /** The mariadbd process while it runs (one process; its threads are the sessions). */
  pid(): number | undefined;
  /**
   * Restart on the same data. readOnly: as an Aurora reader is (`@@innodb_read_only` 1, writes
   * refused with 1290 or 1836), by --innodb-read-only and --read-only.
   */
  restart(options: { readOnly: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** Shared across test processes, like the PostgreSQL fixture's: made once by openssl. */
const TLS_DIR = join(tmpdir(), 'aurora-lab-test-tls');

export interface TestMariadbOptions {
  /**
   * Start with performance_schema on and the consumers Performance Insights reads (statement digests,
   * the current statement per thread); MariaDB has performance_schema off by default.
   */
  performanceSchema?: boolean;
}

export async function startTestMariadb(options: TestMariadbOptions = {}): Promise<TestMariadb> {
  const user = serverUser();
  const base = mkdtempSync(join(tmpdir(), 'alab-maria-'));
  chmodSync(base, 0o755); // the server user passes through it
  const dataDir = join(base, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  // A private tmpdir, as the local plane gives each mariadbd: a server starting up deletes every
  // "#sql*" file in its tmpdir, which in a shared /tmp are other servers' temporary tables.
  const tmp = join(base, 'tmp');
  mkdirSync(tmp, { mode: 0o700 });
  const own = (path: string) => user && chownSync(path, user.uid, user.gid);
  own(dataDir);
  own(tmp);
  let child: ChildProcess | undefined;
  const halt = async () => {
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise((resolve) => c.once('exit', resolve));
      c.kill('SIGTERM'); // mariadbd shuts down cleanly on TERM
      const late = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(late);
    }
    child = undefined;
  };
  const stop = async () => {
    await halt();
    rmSync(base, { recursive: true, force: true });
  };
  try {
    await execFileP(INSTALL_DB, [
      '--no-defaults', `--datadir=${dataDir}`, `--tmpdir=${tmp}`, '--auth-root-authentication-method=normal', '--skip-test-db',
      '--skip-name-resolve', ...(user ? [`--user=${user.name}`] : []),
    ]);
    const tls = await ensureLocalTls(TLS_DIR);
    // The server reads its key as the server user; a private copy keeps the shared one untouched.
    for (const [from, to] of [[tls.caFile, 'ca.pem'], [tls.certFile, 'server.crt'], [tls.keyFile, 'server.key']] as const) {
      copyFileSync(from, join(base, to));
      chmodSync(join(base, to), 0o600);
      own(join(base, to));
    }
    const password = randomBytes(12).toString('base64url');
    // The init file runs at every start: a user reachable over TCP from 127.0.0.1 with a password.
    const initFile = join(base, 'init.sql');
    writeFileSync(initFile, [
      `create user if not exists 'lab'@'127.0.0.1' identified by '${password}';`,
      `grant all on *.* to 'lab'@'127.0.0.1' with grant option;`,
      // As Aurora's master user on a reader: --read-only holds for it too (1290).
      `revoke read_only admin on *.* from 'lab'@'127.0.0.1';`,
      'create database if not exists lab;',
      '',
    ].join('\n'), { mode: 0o600 });
    own(initFile);
    const port = await new PortAllocator(randomBasePort()).allocate();
    const start = async (readOnly: boolean) => {
      child = spawn(MARIADBD, [
        '--no-defaults', `--datadir=${dataDir}`, `--tmpdir=${tmp}`, `--port=${port}`, '--bind-address=127.0.0.1',
        `--socket=${join(dataDir, 'mysqld.sock')}`, `--pid-file=${join(dataDir, 'mysqld.pid')}`, `--log-error=${join(dataDir, 'error.log')}`,
        '--skip-name-resolve', `--init-file=${initFile}`, '--innodb-buffer-pool-size=16M', '--max-connections=40',
        `--ssl-ca=${join(base, 'ca.pem')}`, `--ssl-cert=${join(base, 'server.crt')}`, `--ssl-key=${join(base, 'server.key')}`,
        ...(readOnly ? ['--innodb-read-only', '--read-only'] : []),
        ...(options.performanceSchema ? PERFORMANCE_SCHEMA_ARGS : []),
      ], { stdio: 'ignore', ...(user ? { uid: user.uid, gid: user.gid } : {}) });
      await waitReady(child, port, password, tls.caPem, join(dataDir, 'error.log'));
    };
    await start(false);
    const restart = async ({ readOnly }: { readOnly: boolean }) => {
      await halt();
      await start(readOnly);
    };
    const socketPath = join(dataDir, 'mysqld.sock');
    const pid = () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined);
    return { host: '127.0.0.1', port, user: 'lab', password, database: 'lab', ca: tls.caPem, socketPath, pid, restart, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Ready when `lab` can log in (the init file has run), not merely when the port listens. */
async function waitReady(child: ChildProcess, port: number, password: string, ca: string, errorLog: string): Promise<void> {
  const { openSession } = await import('../../src/sql/session.js');
  const deadline = Date.now() + 60_000;
  let last: unknown;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`mariadbd exited while starting: ${tail(errorLog)}`);
    }
    try {
      const s = await openSession({ family: 'mysql', host: '127.0.0.1', port, user: 'lab', password, database: 'lab', tls: { ca }, connectTimeoutMs: 1000 });
      await s.close();
      return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`mariadbd did not accept a login in 60 s (${String(last)}): ${tail(errorLog)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-8).join('\n');
  } catch {
    return '(no error log)';
  }
}
