/** The local server's control files in $AURORA_LAB_HOME/local: server.json (where it listens) and server.log. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The port `local start` and `--local` use unless told otherwise (AURORA_LAB_LOCAL_PORT, --port). */
export const DEFAULT_LOCAL_PORT = 4510;

export const SERVER_INFO = 'server.json';
export const SERVER_LOG = 'server.log';

export interface ServerInfo {
  version: 1;
  pid: number;
  port: number;
  url: string;
  startedAt: string;
  /** Data directories, snapshots, the process registry and the TLS files. */
  dataDir: string;
  /** PEM of the CA that signed every local PostgreSQL server's certificate. */
  caFile: string;
  delayMs: number;
  /** Factor on Serverless v2's SecondsUntilAutoPause and scale-down pace (AURORA_LAB_LOCAL_TIME_SCALE). */
  timeScale?: number;
  /** Regions the server has been asked about (for `local status`). */
  regions: string[];
  /**
   * The endpoints' loopback block ("127.A.B.0/24"); absent where the system routes only 127.0.0.1 and
   * every endpoint shares it, each on a port of its own.
   */
  addressBlock?: string;
  /** Clusters whose endpoints are not on the port asked for, because it was taken (for `local status`). */
  movedPorts?: { region: string; clusterId: string; wanted: number; port: number; reason: string }[];
}

export function readServerInfo(controlDir: string): ServerInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(controlDir, SERVER_INFO), 'utf8')) as ServerInfo;
    return info?.version === 1 && Number.isInteger(info.pid) && Number.isInteger(info.port) ? info : undefined;
  } catch {
    return undefined;
  }
}

export function writeServerInfo(controlDir: string, info: ServerInfo): void {
  const file = join(controlDir, SERVER_INFO);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o644 });
  renameSync(tmp, file);
}
