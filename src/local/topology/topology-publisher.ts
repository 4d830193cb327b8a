/**
 * Keeps each cluster's membership where aurora_replica_status() reads it (aurora-functions.ts): the
 * comment of the aurora_lab_topology role on the writer, replicated to every reader. Written when a
 * cluster's shape changes (an instance added or removed, the writer moved) and refreshed every
 * REFRESH_MS with the readers' lag measured on the writer, so that readers asked about their siblings
 * answer with values no older than that (the AWS drivers ignore rows older than 300 s).
 *
 * Over the writer's unix socket, which keeps no Serverless v2 instance awake; a paused or stopped
 * writer is skipped (it would only be woken for this).
 */
import type { Reporter } from '../../events.js';
import type { InstanceServer } from '../engines/instance-server.js';

export const REFRESH_MS = 30_000;
/** A reader not streaming yet when its cluster was written is looked at again this soon, a few times. */
const RETRY_MS = 1000;
const RETRIES = 5;

/** One cluster's entry: who is the writer (none for a global secondary), and its members. */
export interface ClusterTopology {
  clusterId: string;
  writerId?: string;
  members: { id: string; session: string }[];
}

/**
 * Where and how an entry is written: the writer's engine decides (PostgreSQL: the comment read by
 * aurora_replica_status(); MySQL: the table behind information_schema.replica_host_status). `write`
 * answers true when a reader was not replicating yet (so had nothing to measure).
 */
export interface TopologyTarget {
  writer: InstanceServer;
  clusters: ClusterTopology[];
  write(writer: InstanceServer, clusters: ClusterTopology[]): Promise<boolean>;
}

export interface TopologySource {
  /**
   * The server the entry of `clusterId` must be written to (its writer, or for a global secondary its
   * primary's writer), with every cluster whose instances stream from that server; undefined while
   * that server is not running.
   */
  topologyFor(clusterId: string): TopologyTarget | undefined;
  clusterIds(): Iterable<string>;
}

export class TopologyPublisher {
  private readonly pending = new Set<string>();
  private readonly retries = new Map<string, number>();
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly source: TopologySource, private readonly reporter: Reporter) {}

  /** Refresh every cluster every REFRESH_MS until close(). */
  start(): void {
    this.closed = false;
    this.timer ??= setInterval(() => {
      for (const id of this.source.clusterIds()) this.changed(id);
    }, REFRESH_MS).unref();
  }

  /** The cluster's shape changed: write it soon (changes close together are written once). */
  changed(clusterId: string): void {
    if (this.closed) return;
    this.pending.add(clusterId);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves once everything marked so far is written (tests, and a clean shutdown). */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.closed = true;
    this.pending.clear();
    await this.settled();
  }

  private async drain(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    while (this.pending.size > 0) {
      const [clusterId] = this.pending;
      this.pending.delete(clusterId!);
      const target = this.source.topologyFor(clusterId!);
      if (!target || !target.writer.isRunning()) continue;
      for (const c of target.clusters) this.pending.delete(c.clusterId);
      const unseen = await target.write(target.writer, target.clusters).catch((err: Error) => {
        this.reporter.emit({ code: 'local.topology.failed', level: 'debug', message: `Topology of ${clusterId} not written: ${err.message}`, data: { clusterId } });
        return false;
      });
      this.retryIfUnseen(clusterId!, unseen);
    }
  }

  private retryIfUnseen(clusterId: string, unseen: boolean): void {
    const n = this.retries.get(clusterId) ?? 0;
    if (!unseen || n >= RETRIES) {
      this.retries.delete(clusterId);
      return;
    }
    this.retries.set(clusterId, n + 1);
    setTimeout(() => this.changed(clusterId), RETRY_MS).unref();
  }
}
