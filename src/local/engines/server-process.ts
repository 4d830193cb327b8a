/**
 * The process of one database server, whichever engine: started detached in its own process group
 * (a Ctrl-C meant for the CLI does not reach the servers; the data plane stops them in order), as the
 * server user, with stdout and stderr appended to its log; its exit watched; stopped by a list of
 * signals, each given a grace, then SIGKILL. What "ready" means is the engine's (pg-server.ts,
 * maria-server.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { serverEnv, type RunAsUser } from '../core/os-user.js';

export class ServerProcess {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  /** The exit code of the last process (-1 when a signal ended it), once it exited. */
  exitCode?: number | null;

  /** Start `program`; the caller waits for readiness in its own way. */
  spawn(program: string, args: string[], options: { cwd: string; logFile: string; user: RunAsUser | undefined }): void {
    const log = openSync(options.logFile, 'a', 0o600);
    let child: ChildProcess;
    try {
      child = spawn(program, args, {
        cwd: options.cwd,
        env: serverEnv(options.user),
        stdio: ['ignore', log, log],
        detached: true,
        ...(options.user ? { uid: options.user.uid, gid: options.user.gid } : {}),
      });
    } finally {
      closeSync(log);
    }
    child.unref();
    this.child = child;
    this.exitCode = undefined;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) {
          this.exitCode = code ?? (signal ? -1 : null);
          this.child = undefined;
        }
        resolve();
      });
      child.once('error', () => resolve());
    });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Started and not (yet) seen to exit. */
  get alive(): boolean {
    return this.child !== undefined;
  }

  isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Send each signal in turn, waiting up to graceMs after each for the exit; then SIGKILL. */
  async stop(signals: NodeJS.Signals[], graceMs: number): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return;
    for (const signal of signals) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
      if (await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])) return;
    }
    child.kill('SIGKILL');
    await exited;
  }
}
