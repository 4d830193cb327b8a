/**
 * The local data plane's Performance Insights: which instances have it on, and their samplers, found
 * by DbiResourceId as the PI API names them. Switching PI off (or deleting the instance) stops the
 * sampler and drops its history, as AWS deletes an instance's PI data when PI is turned off.
 */
import type { Reporter } from '../../events.js';
import { TEMPLATE_SUPERUSER } from '../engines/postgres/data-template.js';
import { createStatementStats } from '../engines/postgres/pi-extension.js';
import { pgStatementSource } from '../engines/postgres/pi-statements.js';
import { PiSampler } from './pi-sampler.js';
import type { StatementSource } from './statement-source.js';
import type { PgBinaries } from '../engines/postgres/pg-binaries.js';
import type { PgServer } from '../engines/postgres/pg-server.js';

export interface PiCollectorOptions {
  reporter: Reporter;
  /** How often each sampler reads the statistics (default 1000 ms, as PI samples once a second). */
  intervalMs?: number;
}

export class PiCollector {
  private readonly byInstance = new Map<string, { resourceId: string; sampler: PiSampler }>();

  constructor(private readonly opts: PiCollectorOptions) {}

  isOn(instanceId: string): boolean {
    return this.byInstance.has(instanceId);
  }

  sampler(resourceId: string): PiSampler | undefined {
    for (const s of this.byInstance.values()) if (s.resourceId === resourceId) return s.sampler;
    return undefined;
  }

  /**
   * Switch PI on or off for a PostgreSQL instance. The extension is created on `writer` (the instance
   * itself when it is one); a reader's sampler retries until the extension has replicated to it.
   */
  async set(on: boolean, instance: { instanceId: string; resourceId: string; server: PgServer }, writer: PgServer | undefined, binaries: PgBinaries): Promise<void> {
    if (!on) return this.off(instance.instanceId);
    if (this.isOn(instance.instanceId)) return;
    if (writer) await createStatementStats(writer.socket, binaries);
    this.enable(instance, () => pgStatementSource({ socket: () => instance.server.socket, excludeUser: TEMPLATE_SUPERUSER }), 'pg_stat_statements');
  }

  /**
   * Switch PI on for an instance of any engine, sampled from `source` (made once, now). `from` names
   * what it reads, for the event. Nothing happens when PI is on for it already.
   */
  enable(instance: { instanceId: string; resourceId: string }, source: () => StatementSource, from: string): void {
    if (this.isOn(instance.instanceId)) return;
    const sampler = new PiSampler({
      instanceId: instance.instanceId,
      source: source(),
      ...(this.opts.intervalMs !== undefined ? { intervalMs: this.opts.intervalMs } : {}),
    });
    this.byInstance.set(instance.instanceId, { resourceId: instance.resourceId, sampler });
    sampler.start();
    this.opts.reporter.emit({
      code: 'local.pi.on',
      level: 'info',
      message: `Performance Insights samples ${instance.instanceId} from ${from}`,
      data: { instanceId: instance.instanceId, resourceId: instance.resourceId },
    });
  }

  async off(instanceId: string): Promise<void> {
    const s = this.byInstance.get(instanceId);
    if (!s) return;
    this.byInstance.delete(instanceId);
    await s.sampler.stop();
    this.opts.reporter.emit({ code: 'local.pi.off', level: 'info', message: `Performance Insights stopped for ${instanceId}`, data: { instanceId } });
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.byInstance.keys()].map((id) => this.off(id)));
  }
}
