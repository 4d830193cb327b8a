/**
 * Auto-pause of one local Serverless v2 instance, whatever its engine: its server process really stops when it has been
 * without connections long enough, and starts again for the next connection, which waits meanwhile.
 *
 * running -> pausing -> paused -> resuming -> running. A resume asked for while pausing waits for the
 * stop to finish first. Holds (a failover, a snapshot, a reboot in progress) keep it awake.
 */
import type { Reporter } from '../../events.js';
import type { InstanceServer } from '../engines/instance-server.js';

export type PauseState = 'running' | 'pausing' | 'paused' | 'resuming';

export interface PauseEvents {
  reporter: Reporter;
  /** The set of running processes changed (the process registry is rewritten). */
  processesChanged(): void;
}

export class PauseControl {
  state: PauseState = 'running';
  /** When the instance was first seen without connections (undefined: it has some, or is held). */
  idleSince?: number;
  /** How long the last resume took, from the connection that asked for it to the server accepting it. */
  lastResumeMs?: number;
  private holds = 0;
  private transition: Promise<void> = Promise.resolve();

  constructor(
    readonly instanceId: string,
    private readonly server: () => InstanceServer | undefined,
    private readonly events: PauseEvents,
  ) {}

  get held(): boolean {
    return this.holds > 0;
  }

  get asleep(): boolean {
    return this.state === 'pausing' || this.state === 'paused';
  }

  /** Connections or work seen: the idle clock starts again. */
  touch(): void {
    this.idleSince = undefined;
  }

  /**
   * Stop the process. The caller has just checked that no connection is open or on its way; the state
   * changes synchronously, so a connection arriving from now on waits in resume().
   */
  pause(idleMs: number): Promise<void> {
    if (this.state !== 'running' || this.held) return this.transition;
    const server = this.server();
    if (!server?.isRunning()) return this.transition;
    this.state = 'pausing';
    this.transition = (async () => {
      try {
        await server.stop('fast');
        this.state = 'paused';
        this.events.processesChanged();
        this.events.reporter.emit({
          code: 'local.serverless.paused',
          level: 'info',
          message: `Serverless v2 instance ${this.instanceId} paused after ${Math.round(idleMs / 100) / 10} s without connections (capacity 0 ACU)`,
          data: { instanceId: this.instanceId, idleMs },
        });
      } catch (err) {
        // The process did not stop: it is still serving.
        this.state = 'running';
        throw err;
      }
    })();
    return this.transition.catch(() => undefined);
  }

  /** Start the process again if it is paused (or being paused); resolves once it accepts connections. */
  resume(reason: string): Promise<void> {
    if (this.state === 'running') return Promise.resolve();
    if (this.state === 'resuming') return this.transition;
    const began = Date.now();
    const stopping = this.transition.catch(() => undefined);
    this.state = 'resuming';
    this.transition = (async () => {
      await stopping;
      const server = this.server();
      try {
        await server?.start();
      } catch (err) {
        this.state = 'paused';
        throw err;
      }
      this.state = 'running';
      this.touch();
      this.lastResumeMs = Date.now() - began;
      this.events.processesChanged();
      this.events.reporter.emit({
        code: 'local.serverless.resumed',
        level: 'info',
        message: `Serverless v2 instance ${this.instanceId} resumed in ${this.lastResumeMs} ms (${reason})`,
        data: { instanceId: this.instanceId, resumeMs: this.lastResumeMs, reason },
      });
    })();
    return this.transition;
  }

  /** Keep the instance running while fn runs (resuming it first if it is paused). */
  async whileHeld<T>(reason: string, fn: () => Promise<T>): Promise<T> {
    this.holds++;
    try {
      await this.resume(reason);
      return await fn();
    } finally {
      this.holds--;
      this.touch();
    }
  }

  /** Resolves once no pause or resume is in progress. */
  settled(): Promise<void> {
    return this.transition.catch(() => undefined);
  }
}
