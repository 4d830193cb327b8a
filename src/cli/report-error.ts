/** The CLI's top level: an error -> a message on stderr (or the one JSON document) and an exit code. */
import { ExitCode, InternalError, isAuroraLabError, type ExitCodeValue } from '../errors.js';
import { makeChalk, type OutputSettings } from '../output/style.js';

export function reportError(err: unknown, settings: OutputSettings): ExitCodeValue {
  const known = isAuroraLabError(err) ? err : new InternalError(`internal error: ${err instanceof Error ? err.message : String(err)}`, { cause: err, hint: 'this is a bug in aurora-lab: run again with --debug and report the stack trace' });
  if (settings.json) {
    process.stdout.write(`${JSON.stringify({ error: { code: known.code, message: known.message, details: known.details, hint: known.hint, exitCode: known.exitCode } }, null, 2)}\n`);
  } else {
    const c = makeChalk(settings);
    const lines = [`${c.red('error:')} ${known.message}`, ...known.details.map((d) => `  ${d}`)];
    if (known.hint) lines.push(`${c.cyan('hint:')} ${known.hint}`);
    process.stderr.write(`${lines.join('\n')}\n`);
  }
  if (settings.debug) {
    const stack = (known === err ? known : (known.cause as Error | undefined))?.stack ?? known.stack;
    process.stderr.write(`${stack}\n`);
    if (known.cause instanceof Error && known.cause !== err) process.stderr.write(`caused by: ${known.cause.stack}\n`);
  }
  return known.exitCode ?? ExitCode.internal;
}
