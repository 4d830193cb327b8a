import { ExitCode, UsageError, UserAbort, isAuroraLabError, type ExitCodeValue } from '../../errors.js';
import { costLines } from '../../engine/cost-gate.js';
import type { CostAllowance } from '../../engine/cost-guard.js';
import type { RunDocument } from '../../engine/result.js';
import { estimateLab } from '../../labs/estimate.js';
import { expectedTimeText } from '../../labs/expected-time.js';
import { HumanReporter, formatMs } from '../../output/human-reporter.js';
import { printJson, printText } from '../../output/print.js';
import { makeChalk, outputSettings } from '../../output/style.js';
import { confirm } from '../confirm.js';
import { reportError } from '../report-error.js';
import { parseParams, type GlobalOptions } from '../settings.js';
import { makeTarget, targetNameFrom } from '../targets.js';
import { withInterrupt } from '../interrupt.js';
import { runExists } from '../../state/run-state.js';

interface RunOptions {
  engine?: string;
  dryRun?: boolean;
  local?: boolean;
  keep?: boolean;
  runId?: string;
  param?: string[];
  caBundle?: string;
  allowClass?: string[];
  maxHourly?: string;
  awsTiming?: boolean;
}

export async function runCommand(g: GlobalOptions, labRef: string, o: RunOptions): Promise<ExitCodeValue> {
  const settings = outputSettings(g);
  const targetName = targetNameFrom(o);
  if (o.awsTiming && targetName !== 'dry-run') throw new UsageError('--aws-timing needs --dry-run', { hint: 'it times a rehearsal on a virtual clock; AWS takes its own time' });
  const params = parseParams(o.param ?? []);
  const allow = costAllowance(o, params);
  const reporter = new HumanReporter(settings);
  await reporter.init();
  const { runLab } = await import('../../engine/run-lab.js');

  const result = await withInterrupt(reporter, (signal) =>
    runLab({
      labRef,
      engine: o.engine,
      params,
      runId: o.runId,
      targetName,
      keep: o.keep === true,
      reporter,
      signal,
      makeTarget: ({ dir, state }) => makeTarget(targetName, { ...g, caBundle: o.caBundle, awsTiming: o.awsTiming }, { dir, region: state?.region }),
      allow,
      confirm: async (s) => {
        if (targetName !== 'aws') return true;
        const est = estimateLab(s.lab, {}, s.engine);
        process.stderr.write(
          `\n${s.resuming ? 'Resume' : 'Run'} lab ${s.lab.name} (${s.engine}) as run ${s.runId}\n` +
            `  account ${s.account}, region ${s.region}\n` +
            `  creates: ${[...new Set(s.creates)].join(', ')}\n` +
            costLines(s.cost).map((l) => `  ${l}\n`).join('') +
            `  the lab file's estimate: ~${est.minutes} min, ~$${est.dollars.toFixed(2)} (${est.basis})\n` +
            (expectedTimeText(s.lab.name, s.engine) ? `  expected wall time: ${expectedTimeText(s.lab.name, s.engine)}\n` : '') +
            `  ${o.keep ? 'kept until `aurora-lab teardown`' : 'deleted when the checks are done'}\n`,
        );
        return confirm('Create these resources?', g.yes, 'Creating AWS resources');
      },
    }),
  );

  const doc = result.document;
  if (settings.json) printJson(doc);
  else printSummary(doc, settings, reporter.summaryLines());
  await reportAfterRun(doc.runId, settings);

  if (result.error) {
    if (!settings.json) reportError(result.error, settings);
    if (result.error instanceof UserAbort) {
      if (!settings.json) process.stderr.write(`The run is saved. Resume: aurora-lab run ${doc.lab} --run-id ${doc.runId}${targetFlag(doc.target)}; remove what it made: aurora-lab teardown ${doc.runId}\n`);
      return ExitCode.interrupted;
    }
    return isAuroraLabError(result.error) ? result.error.exitCode : ExitCode.internal;
  }
  return doc.checks.some((c) => !c.passed) ? ExitCode.checksFailed : ExitCode.ok;
}

/** --allow-class (repeatable, or a comma list), --max-hourly, and the values named with --param. */
function costAllowance(o: RunOptions, params: Record<string, string>): CostAllowance {
  const classes = (o.allowClass ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  let maxHourly: number | undefined;
  if (o.maxHourly !== undefined) {
    maxHourly = Number(o.maxHourly);
    if (!Number.isFinite(maxHourly) || maxHourly <= 0) throw new UsageError(`--max-hourly "${o.maxHourly}" is not a number of dollars above 0`, { code: 'BAD_MAX_HOURLY', hint: 'for example --max-hourly 1.50' });
  }
  return { classes, paramValues: Object.values(params), ...(maxHourly !== undefined ? { maxHourly } : {}) };
}

export function targetFlag(target: string): string {
  return target === 'dry-run' ? ' --dry-run' : target === 'local' ? ' --local' : '';
}

function printSummary(doc: RunDocument, settings: ReturnType<typeof outputSettings>, extra: string[]): void {
  const c = makeChalk(settings);
  const out: string[] = [''];
  const passed = doc.checks.filter((x) => x.passed).length;
  const verdict = doc.status === 'succeeded' ? c.green('succeeded') : doc.status === 'interrupted' ? c.yellow('interrupted') : c.red('failed');
  out.push(`${c.bold(`Run ${doc.runId}`)} (${doc.lab}, ${doc.engine}, ${doc.target}, ${doc.region}): ${verdict}`);
  if (doc.checks.length) out.push(`checks: ${passed}/${doc.checks.length} passed`);
  for (const ch of doc.checks) if (!ch.passed) out.push(`  ${c.red('✗')} ${ch.name}${ch.detail ? ` (${ch.detail})` : ''}`);
  const skipped = doc.steps.filter((s) => s.status === 'skipped' && s.reason?.startsWith('SQL')).length;
  if (skipped) out.push(c.dim(`${skipped} SQL step(s) not run in a dry run: try --local to run them for real`));
  for (const line of doc.report) out.push(`${c.cyan('→')} ${line}`);
  out.push(...extra);
  const calls = doc.steps.reduce((n, s) => n + s.calls.length, 0);
  const took = doc.steps.reduce((n, s) => n + s.durationMs, 0);
  // Calls to the RDS, EC2 ... APIs, answered by AWS or (locally, in a dry run) by our own control plane.
  out.push(c.dim(`${calls} API ${calls === 1 ? 'call' : 'calls'}, ${formatMs(took)} of steps`));
  const live = doc.resources.filter((r) => r.status !== 'deleted');
  if (live.length) out.push(`${c.yellow(`${live.length} resource(s) still up`)}: aurora-lab connect ${doc.runId} | aurora-lab verify ${doc.runId} | aurora-lab teardown ${doc.runId}`);
  printText(out.join('\n'));
}

/** Every run ends with its report written; its path goes to stdout, or to stderr beside --json's one document. */
async function reportAfterRun(runId: string, settings: ReturnType<typeof outputSettings>): Promise<void> {
  try {
    // A run refused before it recorded anything (no credentials, a bad lab) has nothing to report.
    if (!(await runExists(runId))) return;
    const { writeReport } = await import('../../report/write-report.js');
    const file = await writeReport(runId);
    if (settings.json) process.stderr.write(`report: ${file}\n`);
    else printText(`${makeChalk(settings).cyan('→')} report: ${file} (aurora-lab report ${runId} --open)`);
  } catch (err) {
    process.stderr.write(`the report could not be written: ${(err as Error).message}\n`);
  }
}
