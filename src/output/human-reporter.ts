/**
 * Progress for people, on stderr: a spinner per step on a TTY, plain lines elsewhere. Results go to
 * stdout through print.ts; nothing here writes there.
 */
import type { ChalkInstance } from 'chalk';
import type { LabEvent, Reporter } from '../events.js';
import { formatFigure } from '../labs/prose.js';
import { makeChalk, type OutputSettings } from './style.js';
import { probeProgressLine, probeStripLine } from './probe-lines.js';
import type { ProbeProgress, ProbeTimelineData } from '../sql/probe-progress.js';

interface Spinner {
  text: string;
  start(): Spinner;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
  clear(): Spinner;
  render(): Spinner;
  suffixText: string;
}

export class HumanReporter implements Reporter {
  private readonly c: ChalkInstance;
  private spinner?: Spinner;
  // isEnabled: our settings already decided (a TTY, CI unset); ora would otherwise go quiet whenever CI is set at all.
  private ora?: (opts: { text: string; stream: NodeJS.WriteStream; isEnabled?: boolean }) => Spinner;
  /** The probe's live line while one runs (TTY only), shown under the step's spinner. */
  private probeLive?: string;
  private readonly summary: string[] = [];

  constructor(private readonly settings: OutputSettings, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.c = makeChalk(settings);
  }

  /** ora is loaded only when a spinner will be shown. */
  async init(): Promise<void> {
    if (this.settings.spinners) this.ora = (await import('ora')).default as unknown as typeof this.ora;
  }

  emit(e: LabEvent): void {
    const c = this.c;
    const data = (e.data ?? {}) as Record<string, unknown>;
    switch (e.code) {
      case 'step.start': {
        const counter = c.dim(`[${String(data.index)}/${String(data.total)}]`);
        if (this.ora) {
          this.spinner = this.ora({ text: `${counter} ${e.message}`, stream: this.stream, isEnabled: true }).start();
          this.showProbeLine();
        } else {
          this.line(`${counter} ${c.bold(e.message)}`);
        }
        if (typeof data.explain === 'string') this.indent(c.dim(data.explain.trim()));
        return;
      }
      case 'step.done': {
        const took = typeof data.durationMs === 'number' ? c.dim(` ${formatMs(data.durationMs)}`) : '';
        if (this.spinner) {
          this.hideProbeLine();
          this.spinner.succeed(`${this.spinner.text}${took}`);
          this.spinner = undefined;
        } else {
          this.indent(`${c.green('done')}${took}`);
        }
        if (typeof data.notice === 'string') this.indent(`${c.cyan('notice:')} ${data.notice.trim()}`);
        return;
      }
      case 'step.failed':
        if (this.spinner) {
          this.hideProbeLine();
          this.spinner.fail(`${this.spinner.text}`);
          this.spinner = undefined;
        }
        this.indent(c.red(e.message));
        return;
      case 'step.skip':
        this.line(`${c.dim(`[${String(data.index)}/${String(data.total)}]`)} ${c.dim(e.message)}`);
        return;
      case 'aws.call':
        {
          const input = JSON.stringify((data as { input?: unknown }).input ?? {});
          this.indent(c.dim(`→ ${e.message} ${this.settings.debug || input.length <= 240 ? input : `${input.slice(0, 240)}…`}`));
        }
        return;
      case 'check':
        this.indent(`${(data as { passed?: boolean }).passed ? c.green('✓') : c.red('✗')} ${e.message.replace(/^(passed|FAILED): /, '')}`);
        return;
      case 'resource.created':
        this.indent(`${c.green('+')} ${e.message}`);
        return;
      case 'measure': {
        // The event carries the full-precision value (as --json does); people read it at its resolution.
        const { name, value, unit } = data as { name?: string; value?: unknown; unit?: string };
        const shown =
          value === null || value === undefined ? 'not measured'
          : typeof value === 'number' ? `${formatFigure(value, unit)}${unit ? ` ${unit}` : ''}`
          : Array.isArray(value) ? value.join(', ')
          : typeof value === 'object' ? JSON.stringify(value)
          : `${String(value)}${unit ? ` ${unit}` : ''}`;
        this.indent(`${c.cyan('measured')} ${name === undefined ? e.message : `${name} = ${shown}`}`);
        return;
      }
      case 'probe.progress':
        this.probeProgress(data as unknown as ProbeProgress & { probe: string });
        return;
      case 'probe.timeline':
        this.probeEnded(data as unknown as ProbeTimelineData);
        return;
      default:
        if (e.level === 'debug' && !this.settings.debug) return;
        this.line(e.level === 'error' ? c.red(e.message) : e.level === 'warn' ? c.yellow(e.message) : e.message);
    }
  }

  /** Lines for the run's summary (the probe's timeline), collected while the run went on. */
  summaryLines(): string[] {
    return [...this.summary];
  }

  /** Without spinners (no TTY, CI, --json) a probe shows nothing while it runs. */
  private probeProgress(p: ProbeProgress & { probe: string }) {
    if (!this.settings.spinners) return;
    this.probeLive = probeProgressLine(p, this.c);
    this.showProbeLine();
  }

  private probeEnded(d: ProbeTimelineData) {
    this.probeLive = undefined;
    this.hideProbeLine();
    this.summary.push(probeStripLine(d, this.c));
  }

  private showProbeLine() {
    if (!this.spinner || this.probeLive === undefined) return;
    this.spinner.suffixText = `\n    ${this.probeLive}`;
    this.spinner.render();
  }

  private hideProbeLine() {
    if (this.spinner) this.spinner.suffixText = '';
  }

  /** A line in the middle of a step prints above the spinner, which then goes on. */
  private line(text: string) {
    this.spinner?.clear();
    this.stream.write(`${text}\n`);
    this.spinner?.render();
  }

  private indent(text: string) {
    for (const l of text.split('\n')) this.line(`    ${l}`);
  }
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms / 60_000)} min`;
}
