/**
 * The local server (`aurora-lab local serve`): one simulated control plane whose data plane is real
 * PostgreSQL processes, served over HTTP on 127.0.0.1 so unchanged SDK clients can use it. It runs in
 * the foreground until SIGTERM/SIGINT (or `stop()`), then stops every postgres and proxy it started.
 *
 * Its state file (server.json) and log (server.log) live in the control directory, $AURORA_LAB_HOME/local.
 * The log carries event codes, operation names and error codes only: never inputs, which hold passwords.
 */
import { localLogsProvider } from '../logs/local-logs.js';
import { monitoredInstances, OsMetricsSampler } from '../logs/os-metrics-sampler.js';
import { PgParameterApplier } from '../logs/pg-parameters.js';
import { clusterOfInstance, ConnectionSampler } from '../logs/connection-metrics.js';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AuroraLabError, LocalTargetError } from '../../errors.js';
import type { LabEvent, Reporter } from '../../events.js';
import { SimCloud } from '../../sim/model/cloud.js';
import type { ClusterSpec, DataPlane } from '../../sim/data-plane.js';
import type { SimDelays } from '../../sim/model/runtime.js';
import { startSimServer, type SimServer } from '../../sim/server.js';
import { SimError, type SimCall } from '../../sim/types.js';
import { writeServerInfo, type ServerInfo, SERVER_INFO, SERVER_LOG } from './daemon-files.js';
import { recordIamRefusals } from '../iam/iam-refusal-log.js';
import { LocalDataPlane, type LocalDataPlaneOptions } from '../core/local-data-plane.js';
import type { LocalCredentials } from './local-credentials.js';
import { ensureTraversableDir } from '../core/os-user.js';
import { localPiProvider } from '../pi/pi-provider.js';
import { serverlessMetricsProvider } from '../serverless/serverless-metrics.js';

// Kept in daemon-files.ts so the CLI's side (daemon-control) finds the port without loading the server.
export { DEFAULT_LOCAL_PORT } from './daemon-files.js';
/** The account id the local server answers with (STS GetCallerIdentity, ARNs). */
export const LOCAL_ACCOUNT_ID = '000000000000';
/** Status changes take this long unless AURORA_LAB_LOCAL_DELAY_MS says otherwise. */
export const DEFAULT_LOCAL_DELAY_MS = 50;

export interface DaemonOptions {
  /** Where server.json and server.log go ($AURORA_LAB_HOME/local). */
  controlDir: string;
  /** 0 picks a free port. */
  port: number;
  delayMs?: number;
  /** The local key pair (local-credentials.ts): every request's signature and every IAM token is checked against it. */
  credentials: LocalCredentials;
  dataPlane?: LocalDataPlaneOptions;
}

export interface RunningDaemon {
  info: ServerInfo;
  server: SimServer;
  sim: SimCloud;
  dataPlane: LocalDataPlane;
  /** Resolves once the daemon has stopped (by signal or stop()). */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export function delaysFrom(ms: number): Partial<SimDelays> {
  return { create: ms, delete: ms, modify: ms, failover: ms, reboot: ms, snapshot: ms, stop: ms, start: ms, switchover: ms };
}

export function delayFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.AURORA_LAB_LOCAL_DELAY_MS;
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_LOCAL_DELAY_MS;
}

class FileLog implements Reporter {
  constructor(private readonly file: string) {}
  emit(event: LabEvent): void {
    this.line(`${event.level} ${event.code} ${event.message}`);
  }
  line(text: string): void {
    try {
      appendFileSync(this.file, `${new Date().toISOString()} ${text.replace(/\s+/g, ' ')}\n`, { mode: 0o600 });
    } catch {
      // a log that cannot be written must not stop the server
    }
  }
}

/** Start the server; the caller decides how long it lives (signals are installed by `serve`). */
export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  ensureTraversableDir(opts.controlDir);
  const log = new FileLog(join(opts.controlDir, SERVER_LOG));
  const delayMs = opts.delayMs ?? delayFromEnv();
  // IAM refusals go to server.log like every event, and to a summary for `local status`.
  const reporter = recordIamRefusals(opts.controlDir, log);
  const dataPlane = new LocalDataPlane({ reporter, credentials: opts.credentials, ...opts.dataPlane });
  // Reaps the processes of a crashed earlier server (its registry) and makes the TLS files now, so the
  // first request does not pay for it and a refusal (another live owner) stops the start.
  await dataPlane.start();
  const regions = new Set<string>();
  let info: ServerInfo | undefined;
  const tracked = trackClusterCreation(dataPlane, (operation, err) => {
    // The model only marks the resource failed: the reason is in the server log (and `local status` points there).
    // The server's own words (a log tail) go with it: the instance's directory is deleted with it.
    const details = err instanceof AuroraLabError && err.details?.length ? `\n  ${err.details.join('\n  ')}` : '';
    reporter.emit({ code: 'local.dataplane.failed', level: 'warn', message: `${operation} failed: ${err instanceof Error ? err.message : String(err)}${details}`, data: { operation } });
  }, (spec) => {
    // A cluster that could not have the port it asked for is listed by `local status`.
    const moved = dataPlane.movedPorts.get(spec.clusterId);
    if (!moved || !info) return;
    info.movedPorts = [...(info.movedPorts ?? []).filter((m) => m.clusterId !== spec.clusterId), { region: spec.region, ...moved }];
    writeServerInfo(opts.controlDir, info);
  });
  const connections = new ConnectionSampler(dataPlane, (id) => clusterOfInstance(sim, id));
  // /proc is sampled only while there is something to sample: synced after every call (a refused one
  // too: it may have moved pending transitions on).
  const osMetrics = new OsMetricsSampler(dataPlane);
  const syncSamplers = () => {
    const state = sim.peek();
    osMetrics.sync(monitoredInstances(state));
    connections.sync(Object.keys(state.instances).length);
  };
  const serverless = serverlessMetricsProvider(() => dataPlane.serverless.capacityHistories());
  const sim: SimCloud = new SimCloud({
    accountId: LOCAL_ACCOUNT_ID,
    delays: delaysFrom(delayMs),
    dataPlane: tracked.dataPlane,
    pi: localPiProvider((resourceId) => dataPlane.piSampler(resourceId)),
    metrics: async (q) => (await connections.provider()(q)) ?? serverless(q),
    logs: localLogsProvider(dataPlane, Date.now, osMetrics),
  });
  const pgParameters = new PgParameterApplier(dataPlane);
  const call = async (c: SimCall): Promise<Record<string, unknown>> => {
    refuseIdentifierClash(dataPlane, c);
    const out = await sim.call(c).finally(syncSamplers);
    await pgParameters.apply(sim);
    return CREATES_CLUSTER.has(c.operation) && c.service === 'rds' ? withLocalEndpoints(sim, c, out, tracked.created) : out;
  };
  // One call at a time: a refused call rolls the model's state back to what it was before it, which
  // must not undo a concurrent call's change.
  let queue: Promise<unknown> = Promise.resolve();
  const callOne = call;
  const handler = (call: SimCall): Promise<Record<string, unknown>> => {
    const result = queue.then(() => callOne(call));
    queue = result.catch(() => undefined);
    result.then(
      () => log.line(`call ${call.service} ${call.region} ${call.operation} ok`),
      (err: unknown) => log.line(`call ${call.service} ${call.region} ${call.operation} ${err instanceof SimError ? err.code : 'InternalFailure'}`),
    );
    if (!regions.has(call.region) && info) {
      regions.add(call.region);
      info.regions = [...regions].sort();
      writeServerInfo(opts.controlDir, info);
    }
    return result;
  };
  let server: SimServer;
  try {
    server = await startSimServer({ handler, port: opts.port, credentials: opts.credentials, onRefused: (problem, service) => log.line(`refused ${service ?? '-'} ${problem}`) });
  } catch (err) {
    await dataPlane.shutdown();
    const busy = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new LocalTargetError(busy ? `Port ${opts.port} on 127.0.0.1 is in use.` : `The local server could not listen: ${(err as Error).message}`, {
      code: busy ? 'LOCAL_PORT_IN_USE' : 'LOCAL_LISTEN',
      hint: busy ? 'pick another with --port (or AURORA_LAB_LOCAL_PORT)' : undefined,
      cause: err,
    });
  }
  info = {
    version: 1,
    pid: process.pid,
    port: server.port,
    url: server.url,
    startedAt: new Date().toISOString(),
    dataDir: dataPlane.baseDir,
    caFile: dataPlane.caFile,
    delayMs,
    timeScale: dataPlane.serverless.timeScale,
    regions: [],
    ...(dataPlane.addressBlock ? { addressBlock: dataPlane.addressBlock } : {}),
  };
  writeServerInfo(opts.controlDir, info);
  log.line(`listening on ${server.url} (data in ${dataPlane.baseDir}, delays ${delayMs} ms)`);
  log.line(dataPlane.addressBlock ? `endpoints on ${dataPlane.addressBlock}` : 'endpoints all on 127.0.0.1, each on a port of its own (no other loopback address can be bound here)');
  log.line(`serverless v2: time scale ${info.timeScale} (SecondsUntilAutoPause 300 pauses after ${Math.round(300 * info.timeScale! * 10) / 10} s; AURORA_LAB_LOCAL_TIME_SCALE)`);

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      log.line('stopping');
      try {
        connections.stop();
        osMetrics.stop();
        await server.close().catch(() => undefined);
        // Work the model already started (a create in flight) finishes before the processes go.
        await Promise.race([sim.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
        await dataPlane.shutdown();
      } finally {
        rmSync(join(opts.controlDir, SERVER_INFO), { force: true });
        log.line('stopped');
        resolveStopped();
      }
    })());
  return { info, server, sim, dataPlane, stopped, stop };
}

/** Run in the foreground until SIGTERM or SIGINT, then shut down cleanly. */
export async function serveForeground(opts: DaemonOptions): Promise<ServerInfo> {
  const daemon = await startDaemon(opts);
  const onSignal = () => void daemon.stop();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    await daemon.stopped;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    process.off('SIGHUP', onSignal);
  }
  return daemon.info;
}

const CREATES_CLUSTER = new Set(['CreateDBCluster', 'RestoreDBClusterFromSnapshot']);

/**
 * The data plane keys clusters and instances by identifier only: one already used in another region is
 * refused before the model records anything, instead of leaving a cluster "failed" later.
 */
function refuseIdentifierClash(dataPlane: LocalDataPlane, c: SimCall): void {
  if (c.service !== 'rds') return;
  const kind = CREATES_CLUSTER.has(c.operation) ? 'cluster' : c.operation === 'CreateDBInstance' ? 'instance' : undefined;
  const id = kind && c.input[kind === 'cluster' ? 'DBClusterIdentifier' : 'DBInstanceIdentifier'];
  if (typeof id !== 'string') return;
  const clash = dataPlane.identifierClash(kind!, id.toLowerCase(), c.region);
  if (clash) throw new SimError('InvalidParameterValue', clash);
}

/**
 * The data plane, with a record of each cluster's endpoint allocation. The model asks for endpoints
 * asynchronously, but callers take Endpoint and Port from the CreateDBCluster answer (as on AWS, where
 * they are known at once): the answer waits for the local ports. Every other method (the optional
 * ones included) reaches the data plane unchanged.
 */
function trackClusterCreation(
  inner: LocalDataPlane,
  onFailure: (operation: string, err: unknown) => void,
  onCreated: (spec: ClusterSpec) => void,
): { dataPlane: DataPlane; created: (region: string, id: string) => Promise<unknown> | undefined } {
  const creations = new Map<string, Promise<unknown>>();
  const createCluster = (spec: ClusterSpec) => {
    const p = inner.createCluster(spec);
    p.then(() => onCreated(spec), () => undefined);
    creations.set(`${spec.region}/${spec.clusterId}`, p.catch(() => undefined));
    return p;
  };
  const logged = (operation: string, fn: (...a: unknown[]) => unknown) => (...args: unknown[]) => {
    const result = fn(...args);
    if (result instanceof Promise) result.catch((err: unknown) => onFailure(operation, err));
    return result;
  };
  const dataPlane = new Proxy(inner, {
    get(target, prop) {
      if (prop === 'createCluster') return logged('createCluster', createCluster as (...a: unknown[]) => unknown);
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? logged(String(prop), (value as (...a: unknown[]) => unknown).bind(target)) : value;
    },
  }) as DataPlane;
  return { dataPlane, created: (region, id) => creations.get(`${region}/${id}`) };
}

async function withLocalEndpoints(
  sim: SimCloud,
  c: SimCall,
  out: Record<string, unknown>,
  created: (region: string, id: string) => Promise<unknown> | undefined,
): Promise<Record<string, unknown>> {
  const cluster = out.DBCluster as Record<string, unknown> | undefined;
  const id = typeof cluster?.DBClusterIdentifier === 'string' ? cluster.DBClusterIdentifier : undefined;
  if (!cluster || !id) return out;
  const deadline = Date.now() + 10_000;
  let pending = created(c.region, id);
  // The model queues the allocation behind earlier work on the same cluster name; it starts shortly.
  while (!pending && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
    pending = created(c.region, id);
  }
  if (!pending) return out;
  await pending;
  // The model records the endpoints in a callback a few microtasks after the allocation resolves.
  await new Promise((r) => setImmediate(r));
  const now = await sim.call({ service: 'rds', operation: 'DescribeDBClusters', input: { DBClusterIdentifier: id }, region: c.region }).catch(() => undefined);
  const fresh = (now?.DBClusters as Record<string, unknown>[] | undefined)?.[0];
  if (!fresh) return out;
  const { Endpoint, ReaderEndpoint, Port } = fresh;
  return { ...out, DBCluster: { ...cluster, ...(Endpoint ? { Endpoint } : {}), ...(ReaderEndpoint ? { ReaderEndpoint } : {}), ...(Port !== undefined ? { Port } : {}) } };
}
