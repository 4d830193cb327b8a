/**
 * The local data plane's Performance Insights: which instances have it on, and their samplers, found
 * by DbiResourceId as the PI API names them. Switching PI off (or deleting the instance) stops the
 * sampler and drops its history, as AWS deletes an instance's PI data when PI is turned off.
 */
import type { Reporter } from '../../events.js';
import { TEMPLATE_SUPERUSER } from '../engines/postgres/data-template.js';
import { createStatementStats } from '../engines/postgres/pi-extension.js';
import { PiSampler } from './pi-sampler.js';
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
   * Switch PI on or off for an instance. The extension is created on `writer` (the instance itself
   * when it is one); a reader's sampler retries until the extension has replicated to it.
   */
  async set(on: boolean, instance: { instanceId: string; resourceId: string; server: PgServer }, writer: PgServer | undefined, binaries: PgBinaries): Promise<void> {
    if (!on) return this.off(instance.instanceId);
    if (this.isOn(instance.instanceId)) return;
    if (writer) await createStatementStats(writer.socket, binaries);
    const sampler = new PiSampler({
      instanceId: instance.instanceId,
      socket: () => instance.server.socket,
      excludeUser: TEMPLATE_SUPERUSER,
      ...(this.opts.intervalMs !== undefined ? { intervalMs: this.opts.intervalMs } : {}),
    });
    this.byInstance.set(instance.instanceId, { resourceId: instance.resourceId, sampler });
    sampler.start();
    this.opts.reporter.emit({
      code: 'local.pi.on',
      level: 'info',
      message: `Performance Insights samples ${instance.instanceId} from pg_stat_statements`,
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
