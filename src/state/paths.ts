import os from 'node:os';
import path from 'node:path';

/** `$AURORA_LAB_HOME`, default ~/.aurora-lab. */
export function homeDir(): string {
  const fromEnv = process.env.AURORA_LAB_HOME;
  return fromEnv && fromEnv.length > 0 ? path.resolve(fromEnv) : path.join(os.homedir(), '.aurora-lab');
}

export function runsDir(): string {
  return path.join(homeDir(), 'runs');
}

export function runDir(runId: string): string {
  return path.join(runsDir(), runId);
}
