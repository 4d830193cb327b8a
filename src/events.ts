/**
 * The core never prints. Engine, aws, sql, state and local emit typed events to a Reporter;
 * only src/output turns them into text (human) or collects them (--json).
 */

export type Level = 'debug' | 'info' | 'warn' | 'error' | 'result';

export interface LabEvent<D = unknown> {
  /**
   * Stable, dotted: 'step.start', 'step.done', 'aws.call', 'check', 'measure', 'teardown.delete' ...;
   * a probe sends 'probe.progress' (ProbeProgress, per attempt) and 'probe.timeline' (ProbeTimelineData, at stop).
   */
  code: string;
  level: Level;
  message: string;
  data?: D;
}

export interface Reporter {
  emit(event: LabEvent): void;
}

/** A reporter that keeps everything, for tests and for code that wants to inspect what happened. */
export class MemoryReporter implements Reporter {
  readonly events: LabEvent[] = [];
  emit(event: LabEvent): void {
    this.events.push(event);
  }
  codes(): string[] {
    return this.events.map((e) => e.code);
  }
}

export const silentReporter: Reporter = { emit() {} };
