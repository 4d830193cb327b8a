/**
 * GTID replication between MariaDB servers, as an Aurora MySQL cluster's writer and readers: clone a
 * replica, fence a writer, promote a replica, re-point replicas, rejoin an old writer.
 *
 * Every server writes a binlog with --log-slave-updates in gtid strict mode, so any replica can become
 * the writer and the others (and the old writer) continue from their own GTID position. Replicas run
 * read-only; the master user has no READ_ONLY ADMIN, so its writes there fail with 1290.
 *
 * A replica is cloned one of two ways:
 *  - template: the writer's data is a template copy whose binlog still holds every change since (its
 *    dataOrigin); the replica copies the same template and replays the whole binlog. A copy is ~20 ms,
 *    so this is how a new cluster's readers start.
 *  - backup: mariadb-backup of the running writer (maria-snapshot.ts) at a GTID position; the replica
 *    continues from there. Used whenever the template way is not known to be correct.
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { LocalTargetError } from '../../../errors.js';
import { ensureTraversableDir } from '../../core/os-user.js';
import { changeMaster, copySecret, ensureReplicationUser, REPL_USER, slaveStatus, writePendingReplica } from './maria-repl-sql.js';
import type { MariaServer } from './maria-server.js';
import { backupTo } from './maria-snapshot.js';

export type CloneMethod = 'template' | 'backup';

/** Beyond this much binlog, replaying it is slower than a backup. */
const MAX_REPLAY_BINLOG_BYTES = 64 * 1024 * 1024;

async function one<T>(c: Connection, sql: string, values?: unknown[]): Promise<T | undefined> {
  const [rows] = await c.query<RowDataPacket[]>(sql, values);
  return rows[0] as T | undefined;
}

/**
 * The template `writer`'s data came from, if its binlog still starts there (first file, no GTID before)
 * and none of it was written by `reader`'s server id: a replica skips events of its own server id (as it
 * must, with --log-slave-updates), so an old writer re-cloned this way would miss its own transactions.
 */
async function replayableTemplate(reader: MariaServer, writer: MariaServer): Promise<string | undefined> {
  const origin = writer.dataOrigin;
  if (!origin || !existsSync(origin)) return undefined;
  return writer.admin(async (c) => {
    const [logs] = await c.query<RowDataPacket[]>('SHOW BINARY LOGS');
    const first = logs[0] as { Log_name: string } | undefined;
    const bytes = logs.reduce((n, l) => n + Number((l as { File_size: number }).File_size), 0);
    if (!first || !first.Log_name.endsWith('.000001') || bytes > MAX_REPLAY_BINLOG_BYTES) return undefined;
    const state = (await one<{ s: string }>(c, 'SELECT @@GLOBAL.gtid_binlog_state AS s'))?.s ?? '';
    if ([...parseGtids(state).keys()].some((k) => k.split('-')[1] === String(reader.serverId))) return undefined;
    const [events] = await c.query<RowDataPacket[]>(`SHOW BINLOG EVENTS IN ? LIMIT 4`, [first.Log_name]);
    const list = events.find((e) => e.Event_type === 'Gtid_list') as { Info: string } | undefined;
    return list && list.Info.trim() === '[]' ? origin : undefined;
  });
}

/**
 * `reader` (stopped) gets a consistent copy of running `writer`; once started it replicates from it,
 * read-only. Returns how it was copied.
 */
export async function cloneReplica(reader: MariaServer, writer: MariaServer, options: { method?: CloneMethod } = {}): Promise<CloneMethod> {
  if (reader.isRunning()) {
    throw new LocalTargetError(`${reader.instanceId} is running; a replica is cloned into a stopped server.`, { code: 'LOCAL_MYSQL_REPLICATION' });
  }
  ensureTraversableDir(reader.dir);
  await writer.admin((c) => ensureReplicationUser(c, writer.dir));
  copySecret(writer.dir, reader.dir);
  const template = options.method === 'backup' ? undefined : await replayableTemplate(reader, writer);
  if (options.method === 'template' && !template) {
    throw new LocalTargetError(`${writer.instanceId}'s binlog does not hold its whole history since a template.`, { code: 'LOCAL_MYSQL_REPLICATION' });
  }
  let gtid = '';
  if (template) {
    await reader.copyDataFrom(template);
  } else {
    reader.dataOrigin = undefined;
    gtid = (await backupTo(writer, reader.dataDir)).gtid;
  }
  writePendingReplica(reader.dir, reader.dataDir, reader.user, { host: writer.host, port: writer.port, gtid });
  reader.replicaMark = true;
  return template ? 'template' : 'backup';
}

/** Clients of `server` other than ours and the replication threads. */
async function killClients(c: Connection, server: MariaServer): Promise<void> {
  const [rows] = await c.query<RowDataPacket[]>(
    `SELECT id FROM information_schema.processlist WHERE id <> CONNECTION_ID() AND user NOT IN (?, ?, 'system user', 'event_scheduler')
       AND command NOT IN ('Binlog Dump', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker')`,
    [server.superuser, REPL_USER],
  );
  for (const r of rows) {
    try {
      await c.query(`KILL CONNECTION ${Number(r.id)}`);
    } catch {
      // gone meanwhile
    }
  }
}

/**
 * Stop writes on `writer`: read_only (which waits for commits in progress), then every client
 * connection is cut, rolling back what was not committed. Returns the final @@gtid_binlog_pos: every
 * acknowledged write is at or before it. The writer stays read-only across restarts.
 */
export async function fenceWriter(writer: MariaServer): Promise<string> {
  writer.replicaMark = true;
  return writer.admin(async (c) => {
    await c.query('SET SESSION lock_wait_timeout = 2');
    try {
      await c.query('SET GLOBAL read_only = 1');
    } catch {
      // A long statement holds the read lock off: cut it, then again.
      await killClients(c, writer);
      await c.query('SET GLOBAL read_only = 1');
    }
    await killClients(c, writer);
    return (await one<{ pos: string }>(c, 'SELECT @@GLOBAL.gtid_binlog_pos AS pos'))?.pos ?? '';
  });
}

/**
 * Make replica `server` a writer once it has applied `upTo` (the fenced writer's final position). With
 * `upTo` undefined (the writer is gone), it first applies everything it had received.
 */
export async function promote(server: MariaServer, upTo: string | undefined, timeoutMs = 30_000): Promise<void> {
  await server.admin(async (c) => {
    let target = upTo;
    if (target === undefined) {
      await c.query('STOP SLAVE IO_THREAD');
      target = (await slaveStatus(c))?.Gtid_IO_Pos ?? '';
    }
    if (target) {
      const waited = await one<{ w: number | null }>(c, 'SELECT MASTER_GTID_WAIT(?, ?) AS w', [target, timeoutMs / 1000]);
      if (waited?.w !== 0) {
        const st = await slaveStatus(c);
        const applied = await one<{ pos: string }>(c, 'SELECT @@GLOBAL.gtid_slave_pos AS pos');
        throw new LocalTargetError(`${server.instanceId} did not apply up to ${target} in ${timeoutMs} ms (at ${applied?.pos}).`, {
          code: 'LOCAL_PROMOTE',
          details: [st?.Last_SQL_Error, st?.Last_IO_Error, ...server.logTail(5)].filter((l): l is string => !!l),
          hint: 'Promote another replica, or promote this one without a position (accepting what it has).',
        });
      }
    }
    await c.query('STOP SLAVE');
    await c.query('RESET SLAVE ALL');
    await c.query('SET GLOBAL read_only = 0');
  });
  server.replicaMark = false;
}

/** Re-point running replica `server` at `writer` (after a failover), continuing from its GTID position. */
export async function follow(server: MariaServer, writer: MariaServer): Promise<void> {
  await writer.admin((c) => ensureReplicationUser(c, writer.dir));
  copySecret(writer.dir, server.dir);
  server.replicaMark = true;
  await server.admin(async (c) => {
    await c.query('SET GLOBAL read_only = 1');
    await changeMaster(c, server.dir, writer);
  });
}

type GtidMap = Map<string, number>; // "domain-server" -> seq

function parseGtids(list: string): GtidMap {
  const m: GtidMap = new Map();
  for (const g of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [d, s, n] = g.split('-');
    m.set(`${d}-${s}`, Number(n));
  }
  return m;
}

/**
 * Is every transaction `old` has binlogged also in `writer`'s history? In strict mode each server's
 * GTIDs in a domain are in order, so it is when the writer's binlog state has, for the last GTID of each
 * domain of `old`, that server's sequence at least as far.
 */
export function containedIn(oldPos: string, writerState: string): boolean {
  const state = parseGtids(writerState);
  for (const [key, seq] of parseGtids(oldPos)) if ((state.get(key) ?? -1) < seq) return false;
  return true;
}

/**
 * Old writer (running, fenced or stopped) becomes a running replica of `newWriter`: it follows from its
 * own position when that is in the new writer's history, and is cloned anew when it is not (it had
 * writes the new writer never got, which are dropped: none of them was acknowledged by a fenced writer).
 */
export async function rejoinAsReplica(oldWriter: MariaServer, newWriter: MariaServer): Promise<'follow' | 'clone'> {
  oldWriter.replicaMark = true;
  if (!oldWriter.isRunning()) await oldWriter.start();
  const oldPos = await oldWriter.admin(async (c) => {
    await c.query('SET GLOBAL read_only = 1');
    return (await one<{ pos: string }>(c, 'SELECT @@GLOBAL.gtid_binlog_pos AS pos'))?.pos ?? '';
  });
  const state = await newWriter.admin(async (c) => (await one<{ s: string }>(c, 'SELECT @@GLOBAL.gtid_binlog_state AS s'))?.s ?? '');
  if (containedIn(oldPos, state)) {
    await newWriter.admin((c) => ensureReplicationUser(c, newWriter.dir));
    copySecret(newWriter.dir, oldWriter.dir);
    await oldWriter.admin(async (c) => {
      await c.query('STOP SLAVE');
      await c.query('SET GLOBAL gtid_slave_pos = @@GLOBAL.gtid_binlog_pos');
      await changeMaster(c, oldWriter.dir, newWriter);
    });
    if (await waitReplicating(oldWriter, 10_000)) return 'follow';
  }
  await oldWriter.stop('fast');
  await cloneReplica(oldWriter, newWriter);
  await oldWriter.start();
  return 'clone';
}

/**
 * Wait until both replication threads run (true); false at the timeout or as soon as replication has
 * stopped for good (a thread is No: an apply error, or the writer refused our GTID position). A writer
 * not reachable yet (Connecting, retried every second) is waited for.
 */
export async function waitReplicating(server: MariaServer, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  return server.admin(async (c) => {
    for (;;) {
      const st = await slaveStatus(c);
      if (!st || st.Slave_IO_Running === 'No' || st.Slave_SQL_Running === 'No') {
        if (!st || st.Last_IO_Errno || st.Last_SQL_Errno || Date.now() > deadline) return false;
      }
      if (st?.Slave_IO_Running === 'Yes' && st.Slave_SQL_Running === 'Yes') return true;
      if (Date.now() > deadline) return false;
      await sleep(20);
    }
  });
}

/**
 * How far the replica's SQL thread is behind its master, in ms: 0 when it has applied all it received
 * (and the writer is connected), undefined when it is not replicating. MariaDB 10.11 measures lag in
 * whole seconds (Seconds_Behind_Master), so a replica behind by less than a second reads 0 only when it
 * has applied everything, and 1000 otherwise: never less than the truth by a whole second.
 */
export async function replicaLagMs(server: MariaServer): Promise<number | undefined> {
  return server.admin(async (c) => {
    const st = await slaveStatus(c);
    if (!st || st.Slave_SQL_Running !== 'Yes' || st.Slave_IO_Running !== 'Yes') return undefined;
    const caughtUp = st.Master_Log_File === st.Relay_Master_Log_File && Number(st.Read_Master_Log_Pos) === Number(st.Exec_Master_Log_Pos);
    if (caughtUp) return 0;
    if (st.Seconds_Behind_Master === null) return undefined;
    return (Number(st.Seconds_Behind_Master) + 1) * 1000;
  });
}

/**
 * Wait until `replica` has applied everything `writer` had written when asked: an Aurora reader shares
 * its cluster's storage, so a new one is available with every committed row (and user) the writer has,
 * and a local one is not called available before it has caught up likewise.
 */
export async function catchUp(replica: MariaServer, writer: MariaServer, timeoutMs = 30_000): Promise<void> {
  const pos = await writer.admin(async (c) => (await one<{ pos: string }>(c, 'SELECT @@GLOBAL.gtid_binlog_pos AS pos'))?.pos ?? '');
  if (!pos) return;
  const waited = await replica.admin(async (c) => (await one<{ w: number | null }>(c, 'SELECT MASTER_GTID_WAIT(?, ?) AS w', [pos, timeoutMs / 1000]))?.w);
  if (Number(waited) !== 0) {
    // What the replica itself says: whether its threads run, how far it got, and its last errors.
    const st = await replica.admin((c) => slaveStatus(c)).catch(() => undefined);
    const applied = await replica.admin(async (c) => (await one<{ pos: string }>(c, 'SELECT @@GLOBAL.gtid_slave_pos AS pos'))?.pos).catch(() => undefined);
    const state = st
      ? `IO ${st.Slave_IO_Running}, SQL ${st.Slave_SQL_Running}, received ${st.Gtid_IO_Pos || 'nothing'}, applied ${applied ?? '?'}`
      : 'no replication configured';
    throw new LocalTargetError(`Replica ${replica.instanceId} did not catch up with ${writer.instanceId} (${pos}) in ${timeoutMs / 1000} s (${state}).`, {
      code: 'LOCAL_MYSQL_REPLICATION',
      details: [st?.Last_IO_Error, st?.Last_SQL_Error, ...replica.logTail()].filter((l): l is string => !!l),
    });
  }
}
