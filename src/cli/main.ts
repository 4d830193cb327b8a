/**
 * The commander program. Command implementations are imported when their command runs, so `--help`
 * and `list` load neither the AWS SDK nor the database drivers.
 */
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, type ExitCodeValue } from '../errors.js';
import { outputSettings } from '../output/style.js';
import { enableCompileCache } from './compile-cache.js';
import { reportError } from './report-error.js';
import type { GlobalOptions } from './settings.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function buildProgram(result: { code: ExitCodeValue }): Command {
  const program = new Command('aurora-lab')
    .description('Learn and drill Amazon Aurora: run labs that launch, fail over, migrate and tear down real clusters.')
    .version('0.1.0')
    .option('--region <region>', 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile)')
    .option('--profile <name>', 'AWS profile (default: AWS_PROFILE)')
    .option('--endpoint-url <url>', 'send every AWS call to this endpoint (default: AWS_ENDPOINT_URL)')
    .option('--json', 'print one JSON document on stdout')
    .option('-y, --yes', 'confirm creating and deleting AWS resources without asking')
    .option('--debug', 'show every call in full and stack traces')
    .option('--no-color', 'no colour (NO_COLOR is honoured too)')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  const run = <T extends unknown[]>(fn: (global: GlobalOptions, ...args: T) => Promise<ExitCodeValue>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      const global = cmd.optsWithGlobals() as GlobalOptions;
      try {
        result.code = await fn(global, ...(args.slice(0, -1) as T));
      } catch (err) {
        result.code = reportError(err, outputSettings(global));
      }
    };

  program
    .command('list')
    .description('list the labs')
    .action(run(async (g) => (await import('./commands/list.js')).listCommand(g)));

  program
    .command('show')
    .description('show what a lab does: steps, resources, estimate')
    .argument('<lab>', 'lab name or path to a lab file')
    .option('--engine <engine>', 'aurora-postgresql or aurora-mysql')
    .action(run(async (g, lab: string, o: { engine?: string }) => (await import('./commands/show.js')).showCommand(g, lab, o)));

  program
    .command('run')
    .description('run a lab (on AWS unless --dry-run or --local)')
    .argument('<lab>', 'lab name or path to a lab file')
    .addOption(new Option('--engine <engine>', 'database engine').choices(['aurora-postgresql', 'aurora-mysql']))
    .option('--dry-run', 'rehearse against a simulated RDS in-process: no account, no network, no cost')
    .option('--local', 'run on this machine against real database processes: PostgreSQL, or MariaDB for aurora-mysql (free)')
    .option('--aws-timing', "with --dry-run: AWS's typical durations on a virtual clock (or AURORA_LAB_SIM_TIMING=aws)")
    .option('--keep', 'leave the resources up for connect and verify (teardown removes them)')
    .option('--run-id <id>', 'name the run, or resume an interrupted one')
    .option('-p, --param <key=value>', 'override a lab parameter (repeatable)', collect, [])
    .option('--ca-bundle <file>', 'RDS CA bundle (default: downloaded once and cached)')
    .option('--allow-class <class>', 'let this instance class through the cost guard, priced or not (repeatable)', collect, [])
    .option('--max-hourly <usd>', "let the cost guard allow a run of up to this many dollars an hour, above the lab's estimate")
    .action(run(async (g, lab: string, o: Record<string, unknown>) => (await import('./commands/run.js')).runCommand(g, lab, o)));

  program
    .command('verify')
    .description("run a kept run's checks again")
    .argument('[run-id]', 'default: the newest run')
    .option('--ca-bundle <file>', 'RDS CA bundle')
    .action(run(async (g, id: string | undefined, o: { caBundle?: string }) => (await import('./commands/verify.js')).verifyCommand(g, id, o)));

  program
    .command('teardown')
    .description('delete what a run created')
    .argument('[run-id]', 'default: the newest run that still has resources')
    .option('--all', 'every aurora-lab resource in the account, with or without local state, in the regions below')
    .option('--expired', 'with --all: only runs past their aurora-lab:expires-at')
    .option('--dry-run', 'with --all: the simulated account of dry runs')
    .option('--local', 'with --all: the local target')
    .option('--regions <list>', 'with --all: also search these regions (comma list, repeatable)', collect)
    .addHelpText(
      'after',
      '\nRegions searched by --all: the command\'s region (--region), every region a run state on this machine\nnames, the regions of the account\'s global cluster members, --regions, and with --local every\nregion the local server has been asked about.\nExample: aurora-lab teardown --all --region us-east-1 --regions eu-west-1,ap-southeast-2',
    )
    .action(run(async (g, id: string | undefined, o: Record<string, unknown>) => (await import('./commands/teardown.js')).teardownCommand(g, id, o)));

  program
    .command('status')
    .description('runs on this machine, their resources and cost so far')
    .option('--all', 'also find aurora-lab resources in the account that have no local state (regions: as teardown --all)')
    .option('--dry-run', 'with --all: the simulated accounts of dry runs')
    .option('--local', 'with --all: the local target')
    .option('--regions <list>', 'with --all: also search these regions (comma list, repeatable)', collect)
    .action(run(async (g, o: { all?: boolean; dryRun?: boolean; local?: boolean; regions?: string[] }) => (await import('./commands/status.js')).statusCommand(g, o)));

  program
    .command('report')
    .description("write a run's report (one self-contained HTML file with charts) and print its path")
    .argument('[run-id]', 'default: the newest run')
    .option('--open', "open it with the system's opener (xdg-open, open)")
    .action(run(async (g, id: string | undefined, o: { open?: boolean }) => (await import('./commands/report.js')).reportCommand(g, id, o)));

  program
    .command('path')
    .description('the learning path: four levels of labs, what you have passed, and what to do next')
    .action(run(async (g) => (await import('./commands/path.js')).pathCommand(g)));

  program
    .command('questions')
    .description('the questions asked about Aurora, answered from the docs and your own runs')
    .argument('[n]', 'one question by its number')
    .action(run(async (g, n: string | undefined) => (await import('./commands/questions.js')).questionsCommand(g, n)));

  program
    .command('connect')
    .description("open psql/mysql on a kept run's cluster (or print its URI)")
    .argument('[run-id]', 'default: the newest kept run')
    .option('--reader', 'the reader endpoint instead of the cluster (writer) endpoint')
    .option('--print', 'print the connection URI instead of starting a client')
    .action(run(async (g, id: string | undefined, o: Record<string, unknown>) => (await import('./commands/connect.js')).connectCommand(g, id, o)));

  const local = program.command('local').description('the local RDS-compatible server and its database processes (PostgreSQL, MariaDB)');
  local
    .command('start')
    .description('start the local server in the background')
    .option('--port <n>', 'port on 127.0.0.1', '4510')
    .action(run(async (g, o: { port: string }) => (await import('./commands/local.js')).localStart(g, o)));
  local
    .command('stop')
    .description('stop the local server and every database process it started')
    .option('--purge', 'also delete their data')
    .action(run(async (g, o: { purge?: boolean }) => (await import('./commands/local.js')).localStop(g, o)));
  local
    .command('status')
    .description('the local server, its clusters and instances')
    .action(run(async (g) => (await import('./commands/local.js')).localStatus(g)));
  local
    .command('env')
    .description('print shell exports that point the AWS CLI, SDKs and psql at the local server')
    .addHelpText('after', '\nExample: eval "$(aurora-lab local env)"; aws rds describe-db-clusters --endpoint-url "$AWS_ENDPOINT_URL"')
    .action(run(async (g) => (await import('./commands/local-env.js')).localEnv(g)));
  local
    .command('serve', { hidden: true })
    .option('--port <n>', 'port', '4510')
    .action(run(async (g, o: { port: string }) => (await import('./commands/local.js')).localServe(g, o)));

  return program;
}

export async function main(argv: string[]): Promise<number> {
  silenceSdkNodeVersionWarning();
  // Before any command loads the SDK (commander, loaded above, is small).
  enableCompileCache();
  const result: { code: ExitCodeValue } = { code: ExitCode.ok };
  const program = buildProgram(result);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0; anything else is a usage error.
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(err, outputSettings({}));
  }
  return result.code;
}

/**
 * The SDK warns on every start under Node 20 that its releases after January 2027 need Node 22.
 * aurora-lab pins versions that work on 20; the warning would only clutter every command's stderr.
 */
function silenceSdkNodeVersionWarning(): void {
  const original = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
    if (type === 'NodeVersionSupportWarning' || (typeof warning !== 'string' && warning.name === 'NodeVersionSupportWarning') || /will require node >=22/.test(text)) return;
    (original as (...a: unknown[]) => void)(warning, ...rest);
  }) as typeof process.emitWarning;
}
