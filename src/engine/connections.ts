/**
 * A lab's named connection -> a ResolvedConnection for src/sql: templates rendered, the master password
 * read from Secrets Manager (kept in memory only), an IAM token signed when asked, TLS verified
 * against the target's CA bundle.
 */
import { UsageError } from '../errors.js';
import { render } from '../labs/template.js';
import type { ResolvedConnection } from '../sql/types.js';
import { engineFamily, type RunContext } from './context.js';
import type { Execution } from './execution.js';

const secretCache = new WeakMap<Execution, Map<string, string>>();

export async function resolveConnection(ex: Execution, name: string, override: Record<string, unknown> | undefined, ctx: RunContext): Promise<ResolvedConnection> {
  const spec = ex.lab.connections[name];
  if (!spec) throw new UsageError(`the lab has no connection "${name}"`, { code: 'LAB_RUNTIME' });
  const c = render({ ...spec, ...(override ?? {}) }, ctx) as Record<string, unknown>;
  let host = String(c.host ?? '');
  let port = Number(c.port);
  // The DBCluster shape has one Port for both endpoints; where the reader endpoint listens elsewhere
  // (the local target on a system that routes only 127.0.0.1), its ReaderEndpoint carries the port as host:port.
  const hostPort = /^(.+):(\d{1,5})$/.exec(host);
  if (hostPort) {
    host = hostPort[1]!;
    port = Number(hostPort[2]);
  }
  if (!host || !Number.isFinite(port)) {
    throw new UsageError(`connection "${name}" has no host or port yet (host=${JSON.stringify(c.host)}, port=${JSON.stringify(c.port)})`, { code: 'LAB_RUNTIME' });
  }
  const useTls = c.tls !== false;
  let ca: string | undefined;
  if (useTls) {
    ca = await ex.target.caBundle();
    if (!ca) throw new UsageError('no CA bundle to verify the database TLS certificate', { code: 'NO_CA_BUNDLE', hint: 'pass --ca-bundle path/to/global-bundle.pem' });
  }
  const conn: ResolvedConnection = {
    family: engineFamily(ctx.engine),
    host,
    port,
    user: String(c.user),
    database: String(c.database),
    tls: useTls ? { ca: ca! } : false,
  };
  if (c.sendTokenInClear === true) {
    // Only the local target's server may be shown refusing a clear-text token: on AWS the token is
    // a live credential, and this client never sends one without TLS there.
    if (ex.target.name !== 'local') {
      throw new UsageError(`connection "${name}" asks to send an IAM token without TLS, which only the local target allows`, {
        code: 'CLEAR_TEXT_TOKEN',
        hint: 'give the step `when: "target.name == \'local\'"`',
      });
    }
    conn.clearTextTokenToLoopback = true;
  }
  if (c.iamAuth === true && typeof c.password === 'string') {
    // A token given as text (a tampered one, for a negative check) is sent the way a real token is.
    conn.iamToken = c.password;
    ex.secrets.add(c.password);
  } else if (c.iamAuth === true) {
    const { generateAuthToken } = await import('../sql/iam-token.js');
    const settings = ex.target.clients.settings;
    conn.iamToken = await generateAuthToken({
      hostname: host,
      port,
      username: conn.user,
      region: ex.state.region,
      credentials: settings.credentials,
      profile: settings.profile,
    });
    ex.secrets.add(conn.iamToken);
  } else if (typeof c.password === 'string') {
    conn.password = c.password;
    ex.secrets.add(c.password);
  } else if (typeof c.secretArn === 'string' && c.secretArn) {
    conn.password = await masterPassword(ex, c.secretArn);
  }
  return conn;
}

async function masterPassword(ex: Execution, secretArn: string): Promise<string> {
  let cache = secretCache.get(ex);
  if (!cache) secretCache.set(ex, (cache = new Map()));
  const hit = cache.get(secretArn);
  if (hit) return hit;
  const out = await ex.target.clients.send('secrets-manager', 'GetSecretValue', { SecretId: secretArn }, { signal: ex.signal });
  const text = typeof out.SecretString === 'string' ? out.SecretString : '';
  let password: string | undefined;
  try {
    password = (JSON.parse(text) as { password?: string }).password;
  } catch {
    password = undefined;
  }
  if (!password) throw new UsageError(`the secret ${secretArn} holds no password`, { code: 'SECRET_UNREADABLE' });
  cache.set(secretArn, password);
  ex.secrets.add(password);
  return password;
}
