/**
 * One PostgreSQL server process: its data directory, port, log, pid, and the few things done to it
 * (initdb, clone from another server, start, stop, promote, follow another writer).
 *
 * Settings that identify the instance (port, instance id, socket, TLS files) are given on the postgres
 * command line, never in postgresql.conf, so a base backup of one server copies none of them into
 * another. primary_conninfo goes through postgresql.auto.conf (pg_basebackup -R writes it there).
 */
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LocalTargetError } from '../../../errors.js';
import type { Reporter } from '../../../events.js';
import { silentReporter } from '../../../events.js';
import { quoteLiteral, setRolePassword, withAdminClient } from './admin-sql.js';
import { chownTo, ensureOwnedDir, ensureTraversableDir, runAs, type RunAsUser } from '../../core/os-user.js';
import type { PgBinaries } from './pg-binaries.js';
import { statementStatsArgs } from './pi-extension.js';
import type { TlsFiles } from '../../endpoints/tls.js';
import type { InstanceServer, StopMode } from '../instance-server.js';
import { ServerProcess } from '../server-process.js';

export interface PgServerOptions {
  instanceId: string;
  /** The cluster it belongs to (aurora_replica_status() answers for it). */
  clusterId?: string;
  /** The instance's own directory: data/ and postgres.log live in it. */
  dir: string;
  /** The loopback address it listens on (its instance endpoint; default 127.0.0.1). */
  host?: string;
  port: number;
  binaries: PgBinaries;
  user: RunAsUser | undefined;
  /** The bootstrap superuser (the master user the data directory was created with). */
  superuser: string;
  tls?: TlsFiles;
  reporter?: Reporter;
  /**
   * Where this server archives its completed WAL segments (point-in-time recovery replays them: pg-pitr.ts).
   * Default: a cluster member archives into its cluster's directory (walArchiveDirFor); other servers do not archive.
   */
  walArchiveDir?: string;
}

/**
 * A cluster's WAL archive: <baseDir>/wal-archive/<clusterId>, beside <baseDir>/instances/ where every
 * instance's own directory is. Shared by the cluster's members, so it outlives any one of them.
 */
export function walArchiveDirFor(baseDir: string, clusterId: string): string {
  return join(baseDir, 'wal-archive', clusterId);
}

export type { StopMode } from '../instance-server.js';
const SIGNAL: Record<StopMode, NodeJS.Signals> = { smart: 'SIGTERM', fast: 'SIGINT', immediate: 'SIGQUIT' };

/**
 * Unix socket paths are limited to 107 bytes; a deep data dir falls back to a short directory, named by
 * address and port (instances of a cluster share the port, each on its own address).
 */
function socketDirFor(dataDir: string, host: string, port: number): string {
  return `${dataDir}/.s.PGSQL.${port}`.length <= 100 ? dataDir : `/tmp/aurora-lab-sock-${host}-${port}`;
}

export class PgServer implements InstanceServer {
  readonly engine = 'postgres' as const;
  readonly instanceId: string;
  readonly dir: string;
  readonly dataDir: string;
  readonly logFile: string;
  readonly host: string;
  port: number;
  superuser: string;
  readonly walArchiveDir?: string;
  private readonly proc = new ServerProcess();
  private readonly reporter: Reporter;

  constructor(private readonly opts: PgServerOptions) {
    this.instanceId = opts.instanceId;
    this.dir = opts.dir;
    this.dataDir = join(opts.dir, 'data');
    this.logFile = join(opts.dir, 'postgres.log');
    this.host = opts.host ?? '127.0.0.1';
    this.port = opts.port;
    this.superuser = opts.superuser;
    this.reporter = opts.reporter ?? silentReporter;
    // Instance directories are <baseDir>/instances/<id> (instance-launch.ts).
    this.walArchiveDir = opts.walArchiveDir ?? (opts.clusterId ? walArchiveDirFor(dirname(dirname(opts.dir)), opts.clusterId) : undefined);
  }

  get socketDir(): string {
    return socketDirFor(this.dataDir, this.host, this.port);
  }

  /** Where a client of this server's own unix socket connects (trust auth, superuser). */
  get socket() {
    return { socketDir: this.socketDir, port: this.port, user: this.superuser };
  }

  private prepareDirs(): void {
    ensureTraversableDir(this.dir);
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /**
   * A fresh data directory whose bootstrap superuser is `superuser`. With a password it can log in over
   * TCP (scram); the password goes through a pwfile deleted right after, never argv or the log.
   */
  async initdb(password: string | undefined): Promise<void> {
    this.prepareDirs();
    ensureOwnedDir(this.dataDir, this.opts.user);
    const pwfile = join(this.dir, `.pwfile-${process.pid}`);
    if (password !== undefined) {
      writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
      chownTo(pwfile, this.opts.user);
    }
    try {
      await runAs(
        this.opts.binaries.initdb,
        ['-D', this.dataDir, '-U', this.superuser, ...(password !== undefined ? [`--pwfile=${pwfile}`] : []),
          '--auth-host=scram-sha-256', '--auth-local=trust', '--encoding=UTF8', '--locale=C', '--no-sync',
          // 1 MB WAL segments instead of 16: copies, base backups and snapshots of small lab databases move
          // a sixteenth of the WAL.
          '--wal-segsize=1'],
        { user: this.opts.user, cwd: this.dir, what: 'initdb' },
      );
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  /** Copy a stopped data directory (a snapshot or the initdb template) as this server's data. */
  async copyDataFrom(sourceDataDir: string): Promise<void> {
    this.prepareDirs();
    ensureOwnedDir(this.dataDir, this.opts.user);
    // cp as the server user so every file is already owned by it.
    await runAs('cp', ['-a', `${sourceDataDir}/.`, this.dataDir], { user: this.opts.user, what: 'copy of a data directory' });
  }

  /** A base backup of `source` (over its unix socket) with standby.signal: a hot standby of it. */
  async cloneFrom(source: PgServer, options: { standby: boolean }): Promise<void> {
    this.prepareDirs();
    await baseBackup(this.opts.binaries, this.opts.user, source, this.dataDir, {
      writeRecoveryConf: options.standby,
      appName: this.instanceId,
    });
  }

  private args(): string[] {
    const c = (k: string, v: string | number) => ['-c', `${k}=${v}`];
    const tls = this.opts.tls;
    return [
      '-D', this.dataDir,
      ...c('port', this.port),
      ...c('listen_addresses', this.host),
      ...c('unix_socket_directories', this.socketDir),
      ...c('aurora_lab.instance_id', this.instanceId),
      ...(this.opts.clusterId ? c('aurora_lab.cluster_id', this.opts.clusterId) : []),
      ...c('cluster_name', this.instanceId),
      // Throwaway lab databases: durability across an OS crash does not matter, speed does.
      ...c('fsync', 'off'),
      // But a commit must reach the WAL (and so the walsenders) at once: with synchronous_commit off it
      // waits for the WAL writer (up to 200 ms), and a table just created on the writer is missing on
      // its readers for that long (Aurora's readers see it within milliseconds). With fsync off, on is cheap.
      ...c('synchronous_commit', 'on'),
      // Three instances must stay small (under ~300 MB RSS together).
      ...c('shared_buffers', '16MB'),
      ...c('max_connections', 40),
      ...c('huge_pages', 'off'),
      ...c('wal_level', 'replica'),
      ...c('max_wal_senders', 10),
      ...c('max_replication_slots', 10),
      ...c('wal_keep_size', '256MB'),
      ...c('hot_standby', 'on'),
      // pg_rewind needs hint bits in WAL to bring an old writer back after an unclean stop.
      ...c('wal_log_hints', 'on'),
      // A re-pointed standby retries its primary quickly instead of after the default 5 s.
      ...c('wal_retrieve_retry_interval', '100ms'),
      ...c('wal_receiver_status_interval', '1s'),
      ...c('logging_collector', 'off'),
      // Point-in-time recovery: every completed WAL segment is copied to the cluster's archive (a
      // primary archives; a standby starts to when promoted). A copy of a 1 MB segment is cheap.
      ...(this.walArchiveDir
        ? [...c('archive_mode', 'on'), ...c('archive_command', `cp %p '${this.walArchiveDir}/%f.part' && mv '${this.walArchiveDir}/%f.part' '${this.walArchiveDir}/%f'`)]
        : []),
      // Performance Insights reads pg_stat_statements; preloading needs a start, so every server has it.
      ...statementStatsArgs(this.opts.binaries),
      ...(tls
        ? [...c('ssl', 'on'), ...c('ssl_cert_file', join(this.dir, 'server.crt')), ...c('ssl_key_file', join(this.dir, 'server.key'))]
        : []),
    ];
  }

  /** Start postgres and wait until it accepts connections (as primary or as hot standby). */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.isRunning()) return;
    if (this.walArchiveDir) ensureOwnedDir(this.walArchiveDir, this.opts.user);
    const tls = this.opts.tls;
    if (tls) {
      // PostgreSQL insists its key is owned by it (or root) and not group/world readable.
      for (const [from, to] of [[tls.certFile, 'server.crt'], [tls.keyFile, 'server.key']] as const) {
        const dest = join(this.dir, to);
        copyFileSync(from, dest);
        chownTo(dest, this.opts.user);
      }
    }
    if (this.socketDir !== this.dataDir) ensureOwnedDir(this.socketDir, this.opts.user, 0o700); // local socket connections are trusted as the superuser
    else {
      // A clone's data came from a server on the same port (a cluster's instances share it), socket lock
      // file and all; postmaster.pid (which base backups leave out) is what guards the data directory.
      for (const f of [`.s.PGSQL.${this.port}.lock`, `.s.PGSQL.${this.port}`]) rmSync(join(this.dataDir, f), { force: true });
    }
    this.proc.spawn(this.opts.binaries.postgres, this.args(), { cwd: this.dataDir, logFile: this.logFile, user: this.opts.user });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.proc.alive) {
        throw new LocalTargetError(`PostgreSQL for ${this.instanceId} exited while starting (code ${this.proc.exitCode}).`, {
          code: 'LOCAL_PG_START',
          details: this.logTail(),
          hint: `See ${this.logFile}.`,
        });
      }
      const status = this.postmasterStatus();
      if (status === 'ready' || status === 'standby') break;
      if (Date.now() > deadline) {
        await this.stop('immediate');
        throw new LocalTargetError(`PostgreSQL for ${this.instanceId} did not become ready in ${timeoutMs} ms.`, {
          code: 'LOCAL_PG_START',
          details: this.logTail(),
        });
      }
      await sleep(15);
    }
    this.reporter.emit({
      code: 'local.instance.started',
      level: 'debug',
      message: `PostgreSQL ${this.instanceId} is up on ${this.host}:${this.port}`,
      data: { instanceId: this.instanceId, host: this.host, port: this.port, pid: this.pid },
    });
  }

  /** The status word PostgreSQL writes on line 8 of postmaster.pid: starting, ready, standby, stopping. */
  private postmasterStatus(): string | undefined {
    try {
      return readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[7]?.trim();
    } catch {
      return undefined;
    }
  }

  isRunning(): boolean {
    return this.proc.isRunning();
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** Stop: fast shutdown, then immediate, then SIGKILL, each after a short grace. */
  async stop(mode: StopMode = 'fast', graceMs = 5000): Promise<void> {
    const order: StopMode[] = mode === 'immediate' ? ['immediate'] : [mode, 'immediate'];
    await this.proc.stop(order.map((m) => SIGNAL[m]), graceMs);
  }

  /**
   * End recovery on this standby and wait until it is a read-write primary. pg_promote(wait => true)
   * checks only every 100 ms; polling pg_is_in_recovery() every 5 ms shortens the outage by ~50 ms.
   */
  async promote(timeoutMs = 30_000): Promise<void> {
    await withAdminClient(this.socket, async (c) => {
      await c.query('SELECT pg_promote(false)');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const r = await c.query<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
        if (!r.rows[0]?.standby) return;
        if (Date.now() > deadline) {
          throw new LocalTargetError(`Promotion of ${this.instanceId} did not finish in ${timeoutMs} ms.`, {
            code: 'LOCAL_PROMOTE',
            details: this.logTail(),
          });
        }
        await sleep(5);
      }
    });
  }

  /** primary_conninfo pointing at `writer`'s unix socket (trust auth: no password stored anywhere). */
  conninfoFor(writer: PgServer): string {
    return `host=${writer.socketDir} port=${writer.port} user=${writer.superuser} application_name=${this.instanceId}`;
  }

  /** Re-point a running standby at another writer; primary_conninfo reloads without a restart (PG13+). */
  async follow(writer: PgServer): Promise<void> {
    await withAdminClient(this.socket, async (c) => {
      await c.query(`ALTER SYSTEM SET primary_conninfo = ${quoteLiteral(this.conninfoFor(writer))}`);
      await c.query('SELECT pg_reload_conf()');
    });
  }

  /** Make this stopped server a standby of `writer` on its next start. */
  configureAsStandbyOf(writer: PgServer): void {
    const auto = join(this.dataDir, 'postgresql.auto.conf');
    const kept = existsSync(auto)
      ? readFileSync(auto, 'utf8').split('\n').filter((l) => l && !/^\s*primary_conninfo\s*=/.test(l))
      : [];
    kept.push(`primary_conninfo = ${quoteLiteral(this.conninfoFor(writer))}`);
    writeFileSync(auto, kept.join('\n') + '\n');
    chownTo(auto, this.opts.user);
    const signal = join(this.dataDir, 'standby.signal');
    writeFileSync(signal, '');
    chownTo(signal, this.opts.user);
  }

  /** pg_rewind this stopped old writer onto `writer`'s timeline (fast when little diverged). */
  async rewindFrom(writer: PgServer): Promise<void> {
    const rewind = this.opts.binaries.pgRewind;
    if (!rewind) throw new LocalTargetError('pg_rewind is not installed.', { code: 'LOCAL_PG_MISSING' });
    await runAs(
      rewind,
      ['-D', this.dataDir, `--source-server=host=${writer.socketDir} port=${writer.port} user=${writer.superuser} dbname=postgres`],
      { user: this.opts.user, cwd: this.dir, what: 'pg_rewind' },
    );
  }

  async setPassword(role: string, password: string): Promise<void> {
    await withAdminClient(this.socket, (c) => setRolePassword(c, role, password));
  }

  logTail(lines = 15): string[] {
    try {
      return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-lines);
    } catch {
      return [];
    }
  }
}

/** pg_basebackup of `source` into `targetDataDir` (WAL streamed in, fast checkpoint). */
export async function baseBackup(
  binaries: PgBinaries,
  user: RunAsUser | undefined,
  source: PgServer,
  targetDataDir: string,
  options: { writeRecoveryConf: boolean; appName?: string },
): Promise<void> {
  ensureOwnedDir(targetDataDir, user);
  const conn = `host=${source.socketDir} port=${source.port} user=${source.superuser}` +
    (options.appName ? ` application_name=${options.appName}` : '');
  await runAs(
    binaries.pgBasebackup,
    ['-d', conn, '-D', targetDataDir, '-X', 'stream', '--checkpoint=fast', '--no-sync',
      // The manifest (a checksum of every file, PG13+) is for pg_verifybackup, which nothing here runs;
      // skipping it makes a clone ~20% faster.
      ...(binaries.majorVersion >= 13 ? ['--no-manifest'] : []),
      ...(options.writeRecoveryConf ? ['-R'] : [])],
    { user, cwd: '/', what: 'pg_basebackup' },
  );
}
