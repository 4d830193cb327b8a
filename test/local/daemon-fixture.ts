/**
 * One local server per test file, as the SDK sees it: startDaemon in a temp control dir with a private
 * data dir and random base port, SDK clients for it with the local credentials, the waiter settings the
 * tests poll with, and a close() that stops every PostgreSQL process and removes both directories.
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localCredentials, type LocalCredentials } from '../../src/local/daemon/local-credentials.js';
import { randomBasePort } from '../../src/local/core/ports.js';
import { startDaemon, type RunningDaemon } from '../../src/local/daemon/server-daemon.js';
import { TEMPLATE_DIR, TLS_DIR, tempBaseDir } from './local-plane-helpers.js';

/** What every SDK client of the local server is made with: no retries, so a refusal shows at once. */
export interface LocalClientConfig {
  region: string;
  endpoint: string;
  credentials: LocalCredentials;
  maxAttempts: number;
}

export interface LocalDaemon {
  /** The running server: its data plane, HTTP server and server.json info. */
  daemon: RunningDaemon;
  /** Where server.json, server.log and iam-refusals.json are. */
  controlDir: string;
  /** The server's key pair (made in the control dir, as localCredentials makes it in a lab home). */
  credentials: LocalCredentials;
  /** A client of the local server for one SDK (RDSClient, PIClient, CloudWatchClient, ...); close() destroys it. */
  client<C extends { destroy(): void }>(Client: new (config: LocalClientConfig) => C, region: string): C;
  /** Destroy the clients, stop the server and its PostgreSQL processes, remove the data and control dirs. */
  close(): Promise<void>;
}

/**
 * Start a local server for one test file. `name` goes into the control dir's name (alab-<name>-...);
 * `timeScale` is the Serverless v2 time scale (AWS seconds to real ones).
 */
export async function startLocalDaemon(name: string, opts: { timeScale?: number } = {}): Promise<LocalDaemon> {
  const controlDir = mkdtempSync(join(tmpdir(), `alab-${name}-`));
  const baseDir = tempBaseDir();
  const credentials = localCredentials(controlDir);
  let daemon: RunningDaemon;
  try {
    daemon = await startDaemon({
      controlDir,
      port: 0,
      delayMs: 20,
      credentials,
      dataPlane: { baseDir, basePort: randomBasePort(), templateDir: TEMPLATE_DIR, tlsDir: TLS_DIR, ...(opts.timeScale !== undefined && { timeScale: opts.timeScale }) },
    });
  } catch (err) {
    rmSync(baseDir, { recursive: true, force: true });
    rmSync(controlDir, { recursive: true, force: true });
    throw err;
  }
  const clients: { destroy(): void }[] = [];
  return {
    daemon,
    controlDir,
    credentials,
    client(Client, region) {
      const c = new Client({ region, endpoint: daemon.info.url, credentials, maxAttempts: 1 });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.destroy();
      await daemon.stop();
      rmSync(daemon.dataPlane.baseDir, { recursive: true, force: true });
      rmSync(controlDir, { recursive: true, force: true });
    },
  };
}

/** Waiter settings for the local server (waitUntilDBInstanceAvailable and the like): quick polls, `maxWaitTime` seconds. */
export function sdkWaiter(client: RDSClient, maxWaitTime = 60): { client: RDSClient; maxWaitTime: number; minDelay: number; maxDelay: number } {
  return { client, maxWaitTime, minDelay: 0.05, maxDelay: 0.2 };
}

/** The name of the error an SDK call fails with (AWS's error code), or 'no error'. */
export async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).name;
  }
  return 'no error';
}
