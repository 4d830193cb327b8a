/**
 * The engine seam of the local data plane: what the engine-neutral parts (cluster topology, endpoint
 * proxies, the failover sequence, snapshots, the Serverless v2 scaler, the PI sampler) may ask of one
 * instance's database server, whichever engine runs it. engines/postgres/pg-server.ts and
 * engines/mysql/maria-server.ts implement it; everything engine-specific stays behind it.
 */
export type EngineName = 'postgres' | 'mysql';

/** The local engine that runs an RDS engine name: aurora-postgresql and postgres, aurora-mysql and mysql. */
export function engineOf(rdsEngine: string): EngineName | undefined {
  if (/postgres/i.test(rdsEngine)) return 'postgres';
  if (/mysql/i.test(rdsEngine)) return 'mysql';
  return undefined;
}

/** How hard a stop is: smart waits for clients, fast cuts them off cleanly, immediate does not wait. */
export type StopMode = 'smart' | 'fast' | 'immediate';

export interface InstanceServer {
  readonly engine: EngineName;
  readonly instanceId: string;
  /** The instance's own directory (data, log and certificates live in it). */
  readonly dir: string;
  readonly dataDir: string;
  /** Where the server process itself listens; endpoint proxies forward here. */
  readonly host: string;
  port: number;
  /** The bootstrap superuser the local plane's own connections log in as. */
  superuser: string;
  /** The server process, while it runs. */
  pid?: number;
  isRunning(): boolean;
  /** Start the process and wait until it accepts connections (as writer or as replica). */
  start(timeoutMs?: number): Promise<void>;
  stop(mode?: StopMode, graceMs?: number): Promise<void>;
  /** Change a database user's password (the master user's, from the control plane). */
  setPassword(user: string, password: string): Promise<void>;
  /** The last lines of the server's log, for error details. */
  logTail(lines?: number): string[];
}
