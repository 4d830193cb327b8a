/**
 * MariaDB's part of the local target's point-in-time recovery (snapshots/pitr.ts): mariadb-backup for a
 * writer that did not start from a stopped data dir (its GTID position is where replay starts), a
 * commit journal per cluster while it lives, and replayToTime (maria-pitr.ts) for a restore.
 */
import type { PitrEngine, PitrHost } from '../../snapshots/pitr.js';
import { CommitJournal } from './maria-pitr-journal.js';
import { replayToTime } from './maria-pitr.js';
import type { MariaServer } from './maria-server.js';
import { backupTo } from './maria-snapshot.js';

export function mariaPitrEngine(host: PitrHost): PitrEngine {
  const mariaMembers = (clusterId: string) => host.members(clusterId).filter((s): s is MariaServer => s.engine === 'mysql');
  // The writer first: after a failover, the journal follows the promoted one.
  const journal = new CommitJournal((clusterId) => mariaMembers(clusterId)[0]?.dataDir);
  return {
    backup: async (writer, dataDir) => (await backupTo(writer as MariaServer, dataDir)).gtid,
    follow: (clusterId) => journal.watch(clusterId),
    recover: async (r) => {
      const result = await replayToTime({
        binaries: host.mariaBinaries(),
        user: host.user,
        dir: r.dir,
        port: r.port,
        baseBackupDir: r.baseBackupDir,
        replayAfter: r.replayAfter,
        sources: mariaMembers(r.sourceClusterId),
        sightings: journal.sightings(r.sourceClusterId),
        target: r.target,
        reporter: host.reporter,
      });
      if (result.undecided > 0) {
        host.reporter.emit({
          code: 'local.pitr.undecided',
          level: 'warn',
          message: `${result.undecided} transaction(s) of ${r.sourceClusterId} reached its binlog within milliseconds of ${r.target.toISOString()} and were replayed: which side of the moment they committed on is not known`,
          data: { sourceClusterId: r.sourceClusterId, undecided: result.undecided },
        });
      }
      return {
        recoveryMs: result.recoveryMs,
        detail: ` (${result.replayed} transaction(s) replayed from ${result.source}'s binlog${result.lastReplayedGtid ? `, the last ${result.lastReplayedGtid}` : ''}` +
          `${result.clearBeforeMs !== undefined ? `, in by ${result.clearBeforeMs} ms` : ''}${result.clearAfterMs !== undefined ? `, the next ${result.clearAfterMs} ms after` : ''})`,
        data: { ...result.phases, replayed: result.replayed, undecided: result.undecided, clearBeforeMs: result.clearBeforeMs, clearAfterMs: result.clearAfterMs, binlogOf: result.source, ...(result.lastReplayedGtid ? { lastReplayedGtid: result.lastReplayedGtid } : {}) },
      };
    },
    forget: (clusterId) => journal.forget(clusterId),
  };
}
