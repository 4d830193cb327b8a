/**
 * A shell on a kept run's database: psql (or mysql) on the cluster endpoint, or --reader; --print
 * writes the URI instead. The password never goes into the URI or the output: psql gets it through
 * its environment, and the local target's URI points at a passfile in the run directory (mode 0600).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveConnection } from '../../engine/connections.js';
import { buildContext } from '../../engine/context.js';
import type { Execution } from '../../engine/execution.js';
import { ExitCode, UsageError, type ExitCodeValue } from '../../errors.js';
import { silentReporter } from '../../events.js';
import { parseLab } from '../../labs/loader.js';
import { printJson, printText } from '../../output/print.js';
import { writeFileAtomic } from '../../state/atomic.js';
import { runDir } from '../../state/paths.js';
import { latestRun, readState, writeState } from '../../state/run-state.js';
import type { GlobalOptions } from '../settings.js';
import { makeTarget } from '../targets.js';
import { hasLiveResources } from './teardown.js';

export async function connectCommand(g: GlobalOptions, runId: string | undefined, o: { reader?: boolean; print?: boolean }): Promise<ExitCodeValue> {
  const state = runId ? await readState(runId) : await latestRun(hasLiveResources);
  if (!hasLiveResources(state)) throw new UsageError(`run ${state.runId} has nothing left to connect to`, { code: 'NOTHING_TO_CONNECT', hint: 'run the lab with --keep' });
  if (state.target === 'dry-run') throw new UsageError('a dry run has no database to connect to', { code: 'NOTHING_TO_CONNECT', hint: 'run the lab with --local --keep for a real one' });
  const dir = runDir(state.runId);
  const lab = parseLab(await readFile(path.join(dir, 'lab.yaml'), 'utf8'), state.labFile);
  const name = o.reader ? 'reader' : 'writer';
  if (!lab.connections[name]) throw new UsageError(`lab ${lab.name} defines no ${name} connection`, { code: 'NOTHING_TO_CONNECT' });
  const target = await makeTarget(state.target, g, { dir, region: state.region });
  try {
    const ex: Execution = { lab, state, target, reporter: silentReporter, signal: new AbortController().signal, dir, probes: new Map(), secrets: new Set(), persist: async () => writeState(state, dir) };
    const conn = await resolveConnection(ex, name, undefined, buildContext(lab, state, target));
    let caFile: string | undefined;
    if (conn.tls) {
      caFile = path.join(dir, 'ca.pem');
      await writeFileAtomic(caFile, conn.tls.ca, 0o644);
    }
    const pg = conn.family === 'postgres';
    const query = new URLSearchParams();
    if (pg) {
      if (caFile) {
        query.set('sslmode', 'verify-full');
        query.set('sslrootcert', caFile);
      }
      if (state.target === 'local' && conn.password) {
        const passfile = path.join(dir, 'pgpass');
        await writeFileAtomic(passfile, `${conn.host}:${conn.port}:*:${conn.user}:${conn.password.replace(/([:\\])/g, '\\$1')}\n`, 0o600);
        query.set('passfile', passfile);
      }
    } else if (caFile) {
      query.set('ssl-mode', 'VERIFY_IDENTITY');
    }
    const uri = `${pg ? 'postgresql' : 'mysql'}://${encodeURIComponent(conn.user)}@${conn.host}:${conn.port}/${encodeURIComponent(conn.database)}${query.size ? `?${query}` : ''}`;
    if (o.print) {
      if (g.json) printJson({ runId: state.runId, uri, endpoint: name });
      else printText(uri);
      if (state.target === 'aws') process.stderr.write('The password is in Secrets Manager (the cluster\'s MasterUserSecret); `aurora-lab connect` without --print passes it to psql for you.\n');
      // MySQL's and MariaDB's command-line clients take no URI: say how to call them.
      if (!pg) process.stderr.write(`mysql/mariadb: -h ${conn.host} -P ${conn.port} -u ${conn.user}${caFile ? ` --ssl-ca=${caFile} ${mysqlVerifyArgs().join(' ')}` : ''} ${conn.database} (the password is the cluster's MasterUserSecret)\n`);
      return ExitCode.ok;
    }
    const client = pg ? 'psql' : 'mysql';
    const tlsArgs = caFile ? [`--ssl-ca=${caFile}`, ...mysqlVerifyArgs()] : [];
    const args = pg ? [uri] : ['-h', conn.host, '-P', String(conn.port), '-u', conn.user, ...tlsArgs, conn.database];
    const env = { ...process.env, ...(pg ? { PGPASSWORD: conn.password ?? '' } : { MYSQL_PWD: conn.password ?? '' }) };
    return await new Promise<ExitCodeValue>((resolve, reject) => {
      const child = spawn(client, args, { stdio: 'inherit', env });
      child.on('error', (err) => reject(new UsageError(`cannot start ${client}: ${err.message}`, { code: 'NO_CLIENT', hint: `install it (apt-get install ${pg ? 'postgresql-client' : 'default-mysql-client'}) or use --print` })));
      child.on('exit', (code) => resolve(code === 0 ? ExitCode.ok : ExitCode.aws));
    });
  } finally {
    await target.close();
  }
}

/**
 * How the installed `mysql` client verifies the server's name: MySQL's takes --ssl-mode=VERIFY_IDENTITY,
 * MariaDB's (Debian's default `mysql`) refuses that option and takes --ssl-verify-server-cert.
 */
function mysqlVerifyArgs(): string[] {
  const r = spawnSync('mysql', ['--version'], { encoding: 'utf8', timeout: 5000 });
  return /mariadb/i.test(`${r.stdout ?? ''}`) ? ['--ssl-verify-server-cert'] : ['--ssl-mode=VERIFY_IDENTITY'];
}
