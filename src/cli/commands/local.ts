/**
 * `local start|stop|status` and the hidden `local serve`: the background server on 127.0.0.1
 * (default port 4510, or AURORA_LAB_LOCAL_PORT) that answers the RDS API over real PostgreSQL.
 */
import path from 'node:path';
import { ExitCode, type ExitCodeValue } from '../../errors.js';
import { printJson, printText, table } from '../../output/print.js';
import { homeDir } from '../../state/paths.js';
import { simulatedRegion, type GlobalOptions } from '../settings.js';

export function localControlDir(): string {
  return path.join(homeDir(), 'local');
}

/** commander fills in the documented default, so "4510" also means "not given": the environment may say otherwise. */
async function portOption(given: string | undefined): Promise<number> {
  const { localPort } = await import('../../local/daemon/daemon-control.js');
  const { DEFAULT_LOCAL_PORT } = await import('../../local/daemon/server-daemon.js');
  return localPort(given && given !== String(DEFAULT_LOCAL_PORT) ? given : undefined);
}

export async function localStart(g: GlobalOptions, o: { port?: string }): Promise<ExitCodeValue> {
  const { ensureServer } = await import('../../local/daemon/daemon-control.js');
  const { info, started } = await ensureServer({ controlDir: localControlDir(), port: await portOption(o.port) });
  if (g.json) printJson({ running: true, started, pid: info.pid, port: info.port, url: info.url, dataDir: info.dataDir });
  else printText(`${started ? 'Local server started' : 'Local server already running'} on ${info.url} (pid ${info.pid}, data in ${info.dataDir})`);
  return ExitCode.ok;
}

export async function localStop(g: GlobalOptions, o: { purge?: boolean }): Promise<ExitCodeValue> {
  const { stopServer } = await import('../../local/daemon/daemon-control.js');
  const r = await stopServer({ controlDir: localControlDir(), purge: o.purge });
  if (g.json) {
    printJson({ stopped: r.pid !== undefined, ...r });
    return ExitCode.ok;
  }
  const lines = [r.pid !== undefined ? `Local server stopped (pid ${r.pid}${r.killed ? ', killed after the grace period' : ''})` : 'No local server was running'];
  if (r.reaped > 0) lines.push(`Stopped ${r.reaped} PostgreSQL process(es) left behind`);
  if (r.purged) lines.push(`Deleted ${r.purged}`);
  printText(lines.join('\n'));
  return ExitCode.ok;
}

interface InstanceRow {
  id: string;
  cluster?: string;
  status: string;
  role: string;
  endpoint?: string;
}

export async function localStatus(g: GlobalOptions): Promise<ExitCodeValue> {
  const { findServer } = await import('../../local/daemon/daemon-control.js');
  const info = await findServer(localControlDir());
  if (!info) {
    if (g.json) printJson({ running: false, clusters: [], instances: [] });
    else printText('The local server is not running. Start it with: aurora-lab local start');
    return ExitCode.ok;
  }
  const { localClients } = await import('../../engine/targets/local.js');
  const regions = [...new Set([simulatedRegion(g), ...info.regions])].sort();
  const clusters: { id: string; region: string; status: string; endpoint?: string; readerEndpoint?: string; port?: number; members: { id: string; writer: boolean }[] }[] = [];
  const instances: (InstanceRow & { region: string })[] = [];
  for (const region of regions) {
    const clients = localClients(info.url, region);
    try {
      const c = await clients.send('rds', 'DescribeDBClusters', {});
      for (const cl of (c.DBClusters as Record<string, any>[] | undefined) ?? []) {
        clusters.push({
          id: cl.DBClusterIdentifier,
          region,
          status: cl.Status,
          endpoint: cl.Endpoint,
          readerEndpoint: cl.ReaderEndpoint,
          port: cl.Port,
          members: ((cl.DBClusterMembers as Record<string, any>[] | undefined) ?? []).map((m) => ({ id: m.DBInstanceIdentifier, writer: !!m.IsClusterWriter })),
        });
      }
      const i = await clients.send('rds', 'DescribeDBInstances', {});
      for (const inst of (i.DBInstances as Record<string, any>[] | undefined) ?? []) {
        const cluster = clusters.find((cl) => cl.region === region && cl.id === inst.DBClusterIdentifier);
        const member = cluster?.members.find((m) => m.id === inst.DBInstanceIdentifier);
        instances.push({
          id: inst.DBInstanceIdentifier,
          region,
          cluster: inst.DBClusterIdentifier,
          status: inst.DBInstanceStatus,
          role: member ? (member.writer ? 'writer' : 'reader') : 'standalone',
          endpoint: inst.Endpoint ? `${inst.Endpoint.Address}:${inst.Endpoint.Port}` : undefined,
        });
      }
    } finally {
      clients.destroy();
    }
  }
  const { readIamRefusals } = await import('../../local/iam/iam-refusal-log.js');
  const iamRefusals = readIamRefusals(localControlDir());
  if (g.json) {
    printJson({ running: true, pid: info.pid, port: info.port, url: info.url, startedAt: info.startedAt, dataDir: info.dataDir, timeScale: info.timeScale, addressBlock: info.addressBlock ?? null, caFile: info.caFile ?? null, movedPorts: info.movedPorts ?? [], clusters, instances, iamRefusals });
    return ExitCode.ok;
  }
  const out = [`Local server on ${info.url} (pid ${info.pid}, since ${info.startedAt.replace('T', ' ').slice(0, 19)}, data in ${info.dataDir})`];
  if (info.timeScale !== undefined) {
    out.push(`Serverless v2 time scale ${info.timeScale}: SecondsUntilAutoPause 300 pauses after ${Math.round(300 * info.timeScale * 10) / 10} s (AURORA_LAB_LOCAL_TIME_SCALE)`);
  }
  out.push(info.addressBlock
    ? `Endpoints on ${info.addressBlock}: each endpoint has an address of its own, a cluster one port`
    : 'Endpoints all on 127.0.0.1, each on a port of its own: this system routes no other loopback address (see README, "Local endpoints")');
  for (const m of info.movedPorts ?? []) {
    if (clusters.some((c) => c.id === m.clusterId && c.region === m.region)) out.push(`Cluster ${m.clusterId} (${m.region}) listens on port ${m.port}, not ${m.wanted}: ${m.reason}`);
  }
  if (clusters.length === 0 && instances.length === 0) out.push('No clusters or instances.');
  if (clusters.length > 0) {
    // Single-address mode: the reader endpoint carries its own port (host:port).
    const at = (host: string | undefined, port: number | undefined) => (!host ? '-' : host.includes(':') ? host : `${host}:${port}`);
    out.push('', table([['CLUSTER', 'REGION', 'STATUS', 'ENDPOINT', 'READER ENDPOINT'], ...clusters.map((c) => [c.id, c.region, c.status, at(c.endpoint, c.port), at(c.readerEndpoint, c.port)])]));
  }
  if (instances.length > 0) {
    out.push('', table([['INSTANCE', 'CLUSTER', 'ROLE', 'STATUS', 'ENDPOINT'], ...instances.map((i) => [i.id, i.cluster ?? '-', i.role, i.status, i.endpoint ?? '-'])]));
  }
  if (iamRefusals.count > 0) {
    out.push('', `IAM logins refused: ${iamRefusals.count}${iamRefusals.count > iamRefusals.recent.length ? ` (last ${iamRefusals.recent.length})` : ''}`);
    out.push(table([['AT', 'CLUSTER', 'ENDPOINT', 'USER', 'REASON'], ...iamRefusals.recent.map((r) => [r.at.replace('T', ' ').slice(0, 19), r.clusterId ?? '-', r.endpoint && r.port ? `${r.endpoint} (:${r.port})` : (r.endpoint ?? '-'), r.user ?? '-', r.reason ?? '-'])]));
  }
  printText(out.join('\n'));
  return ExitCode.ok;
}

/** The server itself, in the foreground (what `local start` spawns). Prints nothing: it logs to server.log. */
export async function localServe(_g: GlobalOptions, o: { port?: string }): Promise<ExitCodeValue> {
  const { serveForeground } = await import('../../local/daemon/server-daemon.js');
  const { localCredentials } = await import('../../local/daemon/local-credentials.js');
  await serveForeground({ controlDir: localControlDir(), port: await portOption(o.port), credentials: localCredentials(homeDir()) });
  return ExitCode.ok;
}
