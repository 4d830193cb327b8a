/**
 * MariaDB point-in-time recovery, the real thing: a base backup (the stopped data dir the cluster's
 * first writer started from, or mariadb-backup of it), a scratch mariadbd started on a copy of it, and
 * the cluster's binary logs replayed into it with mariadb-binlog up to the end of the last transaction
 * that committed by the moment (maria-pitr-journal.ts says how that one is found, to the millisecond),
 * then a clean shutdown: the stopped data dir is the restored cluster's volume.
 *
 * The binlogs are read from the cluster's writer, or failing that from another member: every server
 * writes one with --log-slave-updates, so after a failover the promoted writer's binlog holds the
 * history it replicated as well as its own (GTIDs and header times kept). A member's binlog is used
 * only when it reaches back to the base backup: a reader cloned by backup (not from the template)
 * starts its binlog at its clone, and if every member is like that, the restore is refused.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LocalTargetError } from '../../../errors.js';
import type { Reporter } from '../../../events.js';
import { runAs, type RunAsUser } from '../../core/os-user.js';
import { binlogFiles, binlogHistory, type BinlogTxn } from './maria-pitr-binlog.js';
import { chooseStop, type Sighting } from './maria-pitr-journal.js';
import type { MariaBinaries } from './maria-binaries.js';
import { MariaServer } from './maria-server.js';

export interface MariaRecoveryOptions {
  binaries: MariaBinaries;
  user: RunAsUser | undefined;
  /** The scratch server's directory; its data/ is the result. */
  dir: string;
  port: number;
  baseBackupDir: string;
  /** The GTID position the base backup is at ('' : it has no history, replay from the first binlog). */
  replayAfter: string;
  /** Servers whose binlogs may be read, the cluster's writer first. */
  sources: MariaServer[];
  sightings: Map<string, Sighting>;
  target: Date;
  reporter?: Reporter;
}

export interface MariaRecoveryResult {
  recoveryMs: number;
  replayed: number;
  /** Replayed transactions written in the few ms around the moment, whose side of it is unknown. */
  undecided: number;
  /** How clear of the moment the stop was on either side (chooseStop), when known. */
  clearBeforeMs?: number;
  clearAfterMs?: number;
  lastReplayedGtid?: string;
  /** The member whose binlogs were replayed. */
  source: string;
  /** How long each step took (copyMs, startMs, replayMs, stopMs). */
  phases: Record<string, number>;
}

/** A MariaDB client program the binaries lookup found (the same directories as the server's). */
function tool(path: string | undefined, name: string): string {
  if (path) return path;
  throw new LocalTargetError(`${name} was not found: point-in-time recovery of MariaDB replays binary logs with it.`, {
    code: 'LOCAL_MYSQL_MISSING',
    hint: 'Install the MariaDB client programs (`apt-get install mariadb-client`).',
  });
}

/** The binlog transactions after the base backup, from the first member whose binlogs reach back to it. */
function historyAfterBase(sources: MariaServer[], replayAfter: string): { txns: BinlogTxn[]; server: MariaServer } | undefined {
  const base = replayAfter.split(',').map((g) => g.trim()).filter(Boolean);
  for (const server of sources) {
    const h = binlogHistory(server.dataDir);
    if (h.files.length === 0) continue;
    if (base.length === 0) {
      // No history in the base: the binlog must hold the cluster's from its first transaction, sequence
      // number 1 in gtid strict mode (a reader cloned by backup has a binlog from its clone on, also
      // starting with an empty Gtid_list, but at a later number). A writer always has its set-up in it.
      const first = h.txns[0]?.gtid.split('-')[2];
      if (first === '1' && (h.before ?? []).length === 0) return { txns: h.txns, server };
      continue;
    }
    let last = -1;
    h.txns.forEach((t, i) => {
      if (base.includes(t.gtid)) last = i;
    });
    if (last >= 0) return { txns: h.txns.slice(last + 1), server };
    // The base's position may be exactly where this binlog's history begins.
    if (base.every((g) => (h.before ?? []).includes(g))) return { txns: h.txns, server };
  }
  return undefined;
}

/** Replay the source's binlogs onto a copy of the base backup up to the moment; stop cleanly. */
export async function replayToTime(o: MariaRecoveryOptions): Promise<MariaRecoveryResult> {
  const started = Date.now();
  const found = historyAfterBase(o.sources, o.replayAfter);
  if (!found) {
    throw new LocalTargetError(`No member of the source cluster has binary logs reaching back to its base backup (${o.replayAfter || 'the first transaction'}).`, {
      code: 'LOCAL_PITR',
      hint: 'Locally, a MariaDB cluster can be restored while a member whose binlog holds its history since its first writer is there: the writer, or a reader cloned from the template.',
    });
  }
  const choice = chooseStop(found.txns, o.sightings, o.target.getTime());
  const replay = found.txns.slice(0, choice.count);
  const server = new MariaServer({ instanceId: 'point-in-time-recovery', dir: o.dir, port: o.port, serverId: 1, binaries: o.binaries, user: o.user, ...(o.reporter ? { reporter: o.reporter } : {}) });
  const phases: Record<string, number> = {};
  let t = Date.now();
  const phase = (name: string) => {
    phases[name] = Date.now() - t;
    t = Date.now();
  };
  await server.copyDataFrom(o.baseBackupDir);
  server.dataOrigin = undefined;
  phase('copyMs');
  try {
    await server.start(60_000);
    phase('startMs');
    if (replay.length > 0) await applyBinlogs(o.binaries, found.server, replay, server);
    phase('replayMs');
  } catch (err) {
    throw new LocalTargetError(`MariaDB could not replay ${found.server.instanceId}'s binary logs up to ${o.target.toISOString()}: ${(err as Error).message}`, {
      code: 'LOCAL_PITR',
      details: server.logTail(10),
      hint: `See ${server.logFile}.`,
      cause: err,
    });
  } finally {
    await server.stop('fast');
    phase('stopMs');
  }
  // The scratch server's own (empty) binlogs and its run files are no part of the volume.
  for (const f of readdirSync(server.dataDir)) if (/^(mariadb-bin|relay-bin)\./.test(f)) rmSync(join(server.dataDir, f), { force: true });
  for (const d of ['run', 'tmp']) if (existsSync(join(o.dir, d))) rmSync(join(o.dir, d), { recursive: true, force: true });
  const last = replay[replay.length - 1];
  return {
    recoveryMs: Date.now() - started,
    replayed: replay.length,
    undecided: choice.undecided,
    ...(choice.clearBeforeMs !== undefined ? { clearBeforeMs: choice.clearBeforeMs } : {}),
    ...(choice.clearAfterMs !== undefined ? { clearAfterMs: choice.clearAfterMs } : {}),
    ...(last ? { lastReplayedGtid: last.gtid } : {}),
    source: found.server.instanceId,
    phases,
  };
}

/**
 * mariadb-binlog decodes the transactions from the first's GTID event to the end of the last's
 * (--start-position applies to the first file named, --stop-position to the last), without binlogging
 * them again (--disable-log-bin); the client applies them as the local superuser over the socket.
 */
async function applyBinlogs(binaries: MariaBinaries, source: MariaServer, replay: BinlogTxn[], into: MariaServer): Promise<void> {
  const first = replay[0]!;
  const last = replay[replay.length - 1]!;
  const all = binlogFiles(source.dataDir);
  const files = all.slice(all.indexOf(first.file), all.indexOf(last.file) + 1).map((f) => join(source.dataDir, f));
  const decoded = await runAs(
    tool(binaries.binlog, 'mariadb-binlog'),
    ['--no-defaults', '--disable-log-bin', `--start-position=${first.start}`, `--stop-position=${last.end}`, ...files],
    { user: undefined, what: 'mariadb-binlog' },
  );
  await runAs(
    tool(binaries.client, 'mariadb'),
    ['--no-defaults', '--binary-mode', `--socket=${into.socketPath}`, `--user=${into.superuser}`],
    { user: undefined, input: decoded.stdout, what: 'replay of the binary logs' },
  );
}
