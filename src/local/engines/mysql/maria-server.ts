/**
 * One MariaDB server process standing in for an Aurora MySQL instance: its data directory, port, unix
 * socket, log and pid, and the few things done to it (install a fresh data dir, copy one, start, stop,
 * run admin SQL over the socket).
 *
 * Settings that identify the instance (port, address, server id, socket, TLS files, replica or not) are
 * given on the mariadbd command line with --no-defaults, never in a my.cnf: /etc/mysql is not read, and
 * a backup of one server carries none of them into another.
 *
 * The local plane's own connections log in over the unix socket as the OS user Node runs as (root in
 * CI), authenticated by unix_socket: no password exists for that account anywhere.
 */
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection } from 'mysql2/promise';
import { LocalTargetError } from '../../../errors.js';
import type { Reporter } from '../../../events.js';
import { silentReporter } from '../../../events.js';
import { chownTo, ensureOwnedDir, ensureTraversableDir, runAs, type RunAsUser } from '../../core/os-user.js';
import type { TlsFiles } from '../../endpoints/tls.js';
import type { InstanceServer, StopMode } from '../instance-server.js';
import type { MariaBinaries } from './maria-binaries.js';
import { ServerProcess } from '../server-process.js';
import { PERFORMANCE_SCHEMA_ARGS } from './pi-statements.js';
import { applyPendingReplica, BINLOG_BASENAME, PENDING_REPLICA_FILE } from './maria-repl-sql.js';
import { nativePasswordHash, quoteAccount } from './maria-sql.js';

export interface MariaServerOptions {
  instanceId: string;
  clusterId?: string;
  /** The instance's own directory: data/, run/ and mariadb.log live in it. */
  dir: string;
  /** The loopback address it listens on (default 127.0.0.1). */
  host?: string;
  port: number;
  /** MariaDB's server_id: unique within a replication topology (it is part of every GTID). */
  serverId: number;
  binaries: MariaBinaries;
  user: RunAsUser | undefined;
  tls?: TlsFiles;
  reporter?: Reporter;
}

/** The account the local plane logs in as: the OS user we run as, by unix_socket. */
export function localSuperuser(): string {
  return userInfo().username;
}

/** Options every data directory is installed with; start must use the same InnoDB log size. */
export const INSTALL_ARGS = ['--skip-test-db', '--skip-name-resolve', '--innodb-log-file-size=8M'];

/** Present in an instance dir while it is a replica: it then starts read-only (before any client connects). */
const REPLICA_MARK = 'replica';
/** Names the template this instance's data was copied from, while its binlog holds all changes since. */
const ORIGIN_FILE = 'data-origin';

/**
 * Unix socket paths are limited to 107 bytes; a deep instance dir falls back to a short directory
 * named by address and port (instances of a cluster share the port, each on its own address).
 */
function socketDirFor(dir: string, host: string, port: number): string {
  return join(dir, 'run', 'mysqld.sock').length <= 100 ? join(dir, 'run') : `/tmp/aurora-lab-mysock-${host}-${port}`;
}

export class MariaServer implements InstanceServer {
  readonly engine = 'mysql' as const;
  readonly instanceId: string;
  readonly clusterId?: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly host: string;
  port: number;
  readonly serverId: number;
  superuser: string;
  readonly binaries: MariaBinaries;
  readonly user: RunAsUser | undefined;
  private readonly proc = new ServerProcess();
  private readonly reporter: Reporter;

  constructor(private readonly opts: MariaServerOptions) {
    this.instanceId = opts.instanceId;
    this.clusterId = opts.clusterId;
    this.dir = opts.dir;
    this.dataDir = join(opts.dir, 'data');
    this.logFile = join(opts.dir, 'mariadb.log');
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port;
    this.serverId = opts.serverId;
    this.binaries = opts.binaries;
    this.user = opts.user;
    this.superuser = localSuperuser();
    this.reporter = opts.reporter ?? silentReporter;
  }

  get socketDir(): string {
    return socketDirFor(this.dir, this.host, this.port);
  }

  get socketPath(): string {
    return join(this.socketDir, 'mysqld.sock');
  }

  /** True while the instance is (to become) a replica: it starts with --read-only. */
  get replicaMark(): boolean {
    return existsSync(join(this.dir, REPLICA_MARK));
  }

  set replicaMark(on: boolean) {
    if (on) writeFileSync(join(this.dir, REPLICA_MARK), '');
    else rmSync(join(this.dir, REPLICA_MARK), { force: true });
  }

  /**
   * The template data dir this server's data is a copy of, with every change since in its binlog: a
   * replica can then be that template plus a replay of the binlog (maria-replication.ts).
   */
  get dataOrigin(): string | undefined {
    try {
      return readFileSync(join(this.dir, ORIGIN_FILE), 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  }

  set dataOrigin(template: string | undefined) {
    if (template) writeFileSync(join(this.dir, ORIGIN_FILE), template);
    else rmSync(join(this.dir, ORIGIN_FILE), { force: true });
  }

  private prepareDirs(): void {
    ensureTraversableDir(this.dir);
    this.dataOrigin = undefined;
    rmSync(this.dataDir, { recursive: true, force: true });
    ensureOwnedDir(this.dataDir, this.user);
  }

  private emitTiming(what: string, ms: number): void {
    this.reporter.emit({
      code: 'local.mysql.timing',
      level: 'debug',
      message: `MariaDB ${this.instanceId}: ${what} took ${ms} ms`,
      data: { instanceId: this.instanceId, what, ms },
    });
  }

  /** A fresh data directory (mariadb-install-db, ~1 s; prefer copyDataFrom(ensureMariaTemplate(...))). */
  async initialize(): Promise<void> {
    const t0 = Date.now();
    this.prepareDirs();
    await installDataDir(this.binaries, this.user, this.dataDir, this.dir);
    this.emitTiming('install-db', Date.now() - t0);
  }

  /** Copy a stopped data directory (the template, a snapshot, a stopped server's) as this server's data. */
  async copyDataFrom(sourceDataDir: string): Promise<void> {
    const t0 = Date.now();
    this.prepareDirs();
    // cp as the server user so every file is already owned by it.
    await runAs('cp', ['-a', `${sourceDataDir}/.`, this.dataDir], { user: this.user, what: 'copy of a data directory' });
    // A template (ensureMariaTemplate marks it beside its data dir) has no history the binlog would lack.
    if (existsSync(join(sourceDataDir, '..', 'ready'))) this.dataOrigin = sourceDataDir;
    this.emitTiming('data copy', Date.now() - t0);
  }

  private args(readOnly: boolean, skipSlaveStart: boolean): string[] {
    const tls = this.opts.tls;
    return [
      '--no-defaults', // first, or it is ignored: /etc/mysql/my.cnf must not apply
      `--datadir=${this.dataDir}`,
      `--socket=${this.socketPath}`,
      `--pid-file=${join(this.socketDir, 'mysqld.pid')}`,
      // Temporary tables in the instance's own directory, not the machine's shared /tmp.
      `--tmpdir=${join(this.dir, 'tmp')}`,
      `--bind-address=${this.host}`,
      `--port=${this.port}`,
      `--server-id=${this.serverId}`,
      `--report-host=${this.host}`,
      `--report-port=${this.port}`,
      // Binlog names fixed here, not derived from the machine's hostname.
      `--log-bin=${BINLOG_BASENAME}`,
      '--relay-log=relay-bin',
      '--binlog-format=ROW',
      '--log-slave-updates',
      '--gtid-strict-mode=ON',
      // Throwaway lab data: speed over durability across an OS crash. A commit still reaches the binlog
      // (the OS page cache) before it is acknowledged, so a killed process loses nothing.
      '--innodb-flush-log-at-trx-commit=2',
      '--sync-binlog=0',
      '--innodb-doublewrite=0',
      // Three instances must stay small (~80-90 MB RSS each instead of ~170 MB with the defaults).
      '--innodb-buffer-pool-size=24M',
      '--innodb-log-file-size=8M',
      '--innodb-log-buffer-size=2M',
      // Start-up time: no 12 MB temporary tablespace written in full, no buffer pool dump to reload.
      '--innodb-temp-data-file-path=ibtmp1:1M:autoextend',
      '--innodb-buffer-pool-load-at-startup=OFF',
      '--innodb-buffer-pool-dump-at-shutdown=OFF',
      '--key-buffer-size=1M',
      '--aria-pagecache-buffer-size=8M',
      '--query-cache-size=0',
      '--max-connections=60',
      '--table-open-cache=400',
      '--table-definition-cache=400',
      '--skip-large-pages',
      '--skip-name-resolve',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_general_ci',
      // Performance Insights reads statement digests and the statements running now (pi-statements.ts
      // says what it needs); everything else performance_schema could keep is kept small.
      '--performance-schema-digests-size=1000',
      '--performance-schema-max-digest-length=1024',
      '--performance-schema-max-sql-text-length=1024',
      '--performance-schema-events-statements-history-size=10',
      '--performance-schema-events-waits-history-size=2',
      '--performance-schema-events-stages-history-size=2',
      '--performance-schema-events-transactions-history-size=2',
      '--performance-schema-max-thread-instances=100',
      '--performance-schema-max-table-instances=200',
      '--performance-schema-max-table-handles=200',
      '--performance-schema-users-size=20',
      ...PERFORMANCE_SCHEMA_ARGS,
      // A replica notices a vanished writer in seconds, not the default minute.
      '--slave-net-timeout=5',
      ...(readOnly ? ['--read-only'] : []),
      ...(skipSlaveStart ? ['--skip-slave-start'] : []),
      ...(tls ? [`--ssl-ca=${join(this.dir, 'ca.pem')}`, `--ssl-cert=${join(this.dir, 'server.crt')}`, `--ssl-key=${join(this.dir, 'server.key')}`] : []),
    ];
  }

  /** Start mariadbd and wait until it accepts connections on its socket (as writer or as replica). */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.isRunning()) return;
    const t0 = Date.now();
    const tls = this.opts.tls;
    if (tls) {
      // The server reads its key as the server user: private copies owned by it.
      for (const [from, to] of [[tls.caFile, 'ca.pem'], [tls.certFile, 'server.crt'], [tls.keyFile, 'server.key']] as const) {
        const dest = join(this.dir, to);
        copyFileSync(from, dest);
        chownTo(dest, this.user);
      }
    }
    ensureOwnedDir(this.socketDir, this.user);
    ensureOwnedDir(join(this.dir, 'tmp'), this.user);
    rmSync(this.socketPath, { force: true });
    rmSync(join(this.socketDir, 'mysqld.pid'), { force: true });
    const pending = existsSync(join(this.dir, PENDING_REPLICA_FILE));
    // Without --log-error mariadbd logs to stderr: the log file, opened by us.
    this.proc.spawn(this.binaries.mariadbd, this.args(this.replicaMark || pending, pending), { cwd: this.dataDir, logFile: this.logFile, user: this.user });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.proc.alive) {
        throw new LocalTargetError(`MariaDB for ${this.instanceId} exited while starting (code ${this.proc.exitCode}).`, {
          code: 'LOCAL_MYSQL_START',
          details: this.logTail(),
          hint: `See ${this.logFile}.`,
        });
      }
      // The socket appears only once the server accepts connections.
      if (existsSync(this.socketPath) && (await this.canConnect())) break;
      if (Date.now() > deadline) {
        await this.stop('immediate');
        throw new LocalTargetError(`MariaDB for ${this.instanceId} did not accept connections in ${timeoutMs} ms.`, {
          code: 'LOCAL_MYSQL_START',
          details: this.logTail(),
          hint: `See ${this.logFile}.`,
        });
      }
      await sleep(15);
    }
    if (pending) await this.admin((c) => applyPendingReplica(c, this.dir));
    this.emitTiming('start', Date.now() - t0);
    this.reporter.emit({
      code: 'local.instance.started',
      level: 'debug',
      message: `MariaDB ${this.instanceId} is up on ${this.host}:${this.port}`,
      data: { instanceId: this.instanceId, host: this.host, port: this.port, pid: this.pid },
    });
  }

  private async canConnect(): Promise<boolean> {
    try {
      await this.admin(async (c) => c.query('SELECT 1'));
      return true;
    } catch {
      return false;
    }
  }

  isRunning(): boolean {
    return this.proc.isRunning();
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /**
   * fast and smart: SIGTERM, a clean shutdown (MariaDB has no "wait for clients" mode); immediate:
   * SIGKILL, as a crash. Whatever does not end within the grace is killed.
   */
  async stop(mode: StopMode = 'fast', graceMs = 10_000): Promise<void> {
    await this.proc.stop([mode === 'immediate' ? 'SIGKILL' : 'SIGTERM'], graceMs);
  }

  /** Run `fn` on a connection over the unix socket as the superuser; the connection is closed after. */
  async admin<T>(fn: (c: Connection) => Promise<T>): Promise<T> {
    const { createConnection } = await import('mysql2/promise');
    const c = await createConnection({ socketPath: this.socketPath, user: this.superuser, multipleStatements: false, connectTimeout: 5000 });
    try {
      return await fn(c);
    } finally {
      // COM_QUIT, not a cut socket: mariadbd logs every cut connection as "Aborted connection".
      await c.end().catch(() => c.destroy());
    }
  }

  /** The password of `user`@'%'; only its hash is sent, so no error or log can show the password. */
  async setPassword(user: string, password: string): Promise<void> {
    await this.admin((c) => c.query(`ALTER USER ${quoteAccount(user, '%')} IDENTIFIED BY PASSWORD '${nativePasswordHash(password)}'`));
  }

  logTail(lines = 15): string[] {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines);
    } catch {
      return [];
    }
  }
}

/** mariadb-install-db into an empty `dataDir` owned by `user`, whose socket account is localSuperuser(). */
export async function installDataDir(binaries: MariaBinaries, user: RunAsUser | undefined, dataDir: string, cwd: string): Promise<void> {
  // The bootstrap's temporary tables beside the data dir: in the shared /tmp, concurrent installs
  // (tests, several local servers) were seen failing to delete their own temporary files.
  const tmp = join(dirname(dataDir), 'install-tmp');
  ensureOwnedDir(tmp, user);
  try {
    await runAs(
      binaries.installDb,
      ['--no-defaults', `--datadir=${dataDir}`, `--tmpdir=${tmp}`, '--auth-root-authentication-method=socket',
        `--auth-root-socket-user=${localSuperuser()}`, ...INSTALL_ARGS],
      { user, cwd, what: 'mariadb-install-db' },
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
