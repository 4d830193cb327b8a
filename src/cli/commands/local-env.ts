/**
 * `local env`: the variables that point other tools (the AWS CLI, other SDKs, psql) at the running local
 * server, as shell exports for `eval "$(aurora-lab local env)"` or, with --json, as one document. The
 * secret key printed here is the local one (local-credentials.ts): printing it is the command's purpose,
 * and it goes to stdout only, never to a log, a state file or another command's output.
 */
import { ExitCode, LocalTargetError, type ExitCodeValue } from '../../errors.js';
import { printJson, printText } from '../../output/print.js';
import { shellExports } from '../../output/shell.js';
import { homeDir } from '../../state/paths.js';
import { simulatedRegion, type GlobalOptions } from '../settings.js';
import { localControlDir } from './local.js';

export async function localEnv(g: GlobalOptions): Promise<ExitCodeValue> {
  const { findServer } = await import('../../local/daemon/daemon-control.js');
  const info = await findServer(localControlDir());
  if (!info) {
    // The port and the CA bundle are the running server's: without one there is nothing true to print.
    throw new LocalTargetError('The local server is not running.', { code: 'LOCAL_NOT_RUNNING', hint: 'start it first: aurora-lab local start' });
  }
  const { localCredentials } = await import('../../local/daemon/local-credentials.js');
  const credentials = localCredentials(homeDir());
  const region = simulatedRegion(g);
  const vars = {
    AWS_ENDPOINT_URL: info.url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    PGSSLROOTCERT: info.caFile,
  };
  if (g.json) printJson(vars);
  else printText(shellExports(vars));
  return ExitCode.ok;
}
