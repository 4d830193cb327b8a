/**
 * Run a MariaDB tool (install-db, mariadb-backup) or cp/chown to completion, as the server user or as
 * ourselves. Like os-user.ts's runAs, but with no stdin at all: mariadb-backup and a fast cp may be gone
 * before runAs writes its (empty) input, and the EPIPE that follows is an uncaught error in the caller.
 */
import { spawn } from 'node:child_process';
import { LocalTargetError } from '../../../errors.js';
import { serverEnv, type RunAsUser } from '../../core/os-user.js';

export function runTool(file: string, args: string[], options: { user: RunAsUser | undefined; cwd?: string; what: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd ?? '/',
      env: serverEnv(options.user),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (cause) => reject(new LocalTargetError(`Could not run ${file}: ${cause.message}`, { code: 'LOCAL_EXEC', cause })));
    child.on('close', (code) => {
      if (code === 0) return resolve(stdout);
      const lines = stderr.trim().split('\n').filter(Boolean);
      reject(new LocalTargetError(`${options.what} failed (exit ${code}): ${lines.slice(-5).join('\n')}`, { code: 'LOCAL_EXEC', details: lines.slice(-20) }));
    });
  });
}
