/**
 * Checks an RDS IAM auth token the way Aurora does at login: a SigV4-presigned `GET` for the service
 * `rds-db` and the action `connect`, written without its scheme:
 *
 *   host:port/?Action=connect&DBUser=u&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2FYYYYMMDD%2Fregion%2Frds-db%2Faws4_request
 *     &X-Amz-Date=...&X-Amz-Expires=900&X-Amz-SignedHeaders=host[&X-Amz-Security-Token=...]&X-Amz-Signature=...
 *
 * The signature is recomputed by the SDK's own signer (the one @aws-sdk/rds-signer issues tokens with):
 * the same request is presigned again with the expected key at the token's date and lifetime, and the
 * two signatures are compared in constant time. A refusal carries a reason for the log; the token
 * itself is never part of it.
 */
import { parseAmzDate, receivingSigner, sameSignature } from '../../sim/sigv4-signer.js';

export type TokenRefusal =
  | 'malformed'
  | 'unknown-key'
  | 'wrong-region'
  | 'wrong-host'
  | 'wrong-user'
  | 'expired'
  | 'not-yet-valid'
  | 'bad-signature';

export type TokenVerdict = { ok: true } | { ok: false; reason: TokenRefusal };

export interface TokenExpectation {
  /** Host names this endpoint answers to (its address, and any alias its certificate names). */
  hosts: readonly string[];
  port: number;
  /** The user of the StartupMessage: the token must be for exactly this one. */
  user: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** For tests; default the clock. */
  now?: Date;
}

/** Aurora accepts a token for 15 minutes; a longer X-Amz-Expires is refused rather than honoured. */
export const MAX_TOKEN_AGE_SECONDS = 900;
/** A token dated slightly ahead of this machine's clock (another machine's clock) is still accepted. */
export const FUTURE_SKEW_SECONDS = 300;

const SERVICE = 'rds-db';
const ALGORITHM = 'AWS4-HMAC-SHA256';
const REQUIRED = ['Action', 'DBUser', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'];
const ALLOWED = new Set([...REQUIRED, 'X-Amz-Security-Token']);

interface ParsedToken {
  host: string;
  port: number;
  query: Map<string, string>;
}

export async function verifyIamToken(token: string, expect: TokenExpectation): Promise<TokenVerdict> {
  const parsed = parseToken(token);
  if (!parsed) return refuse('malformed');
  const q = parsed.query;
  if (q.get('Action') !== 'connect' || q.get('X-Amz-Algorithm') !== ALGORITHM || q.get('X-Amz-SignedHeaders') !== 'host') return refuse('malformed');
  const date = q.get('X-Amz-Date')!;
  const issued = parseAmzDate(date);
  const expires = /^\d{1,6}$/.test(q.get('X-Amz-Expires')!) ? Number(q.get('X-Amz-Expires')) : NaN;
  const signature = q.get('X-Amz-Signature')!;
  const scope = q.get('X-Amz-Credential')!.split('/');
  if (issued === undefined || !(expires > 0) || !/^[0-9a-f]{64}$/.test(signature) || scope.length !== 5) return refuse('malformed');
  const [accessKeyId, shortDate, region, service, terminator] = scope as [string, string, string, string, string];
  if (shortDate !== date.slice(0, 8) || service !== SERVICE || terminator !== 'aws4_request') return refuse('malformed');
  if (accessKeyId !== expect.credentials.accessKeyId) return refuse('unknown-key');
  if (region !== expect.region) return refuse('wrong-region');
  if (!expect.hosts.includes(parsed.host.toLowerCase()) || parsed.port !== expect.port) return refuse('wrong-host');
  if (q.get('DBUser') !== expect.user) return refuse('wrong-user');
  const now = (expect.now ?? new Date()).getTime();
  if (expires > MAX_TOKEN_AGE_SECONDS || now > issued + expires * 1000) return refuse('expired');
  if (issued > now + FUTURE_SKEW_SECONDS * 1000) return refuse('not-yet-valid');
  const expected = await presignAgain(parsed, issued, expires, region, expect.credentials);
  return sameSignature(expected, signature) ? { ok: true } : refuse('bad-signature');
}

function refuse(reason: TokenRefusal): TokenVerdict {
  return { ok: false, reason };
}

function parseToken(token: string): ParsedToken | undefined {
  // A token is short; anything much longer is not one (and is not worth hashing).
  if (token.length > 4096 || /^[a-z][a-z0-9+.-]*:\/\//i.test(token)) return undefined;
  const m = /^([^/?#\s:]+):(\d{1,5})\/\?([^#\s]*)$/.exec(token);
  if (!m) return undefined;
  const query = new Map<string, string>();
  for (const pair of m[3]!.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(pair.slice(0, eq));
      value = decodeURIComponent(pair.slice(eq + 1));
    } catch {
      return undefined;
    }
    if (!ALLOWED.has(key) || query.has(key)) return undefined;
    query.set(key, value);
  }
  if (REQUIRED.some((k) => !query.has(k))) return undefined;
  return { host: m[1]!, port: Number(m[2]), query };
}

/**
 * The signature the signer gives the request the token describes: GET host:port/ with Action and DBUser,
 * signed at its X-Amz-Date for X-Amz-Expires seconds. A session token in the token is part of what was
 * signed, so it goes into the credentials the signer signs with (it puts it back into the query).
 */
async function presignAgain(token: ParsedToken, issued: number, expires: number, region: string, credentials: TokenExpectation['credentials']): Promise<string> {
  const sessionToken = token.query.get('X-Amz-Security-Token');
  const signer = receivingSigner({ ...credentials, ...(sessionToken !== undefined ? { sessionToken } : {}) }, region, SERVICE);
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname: token.host,
      port: token.port,
      path: '/',
      query: { Action: token.query.get('Action')!, DBUser: token.query.get('DBUser')! },
      headers: { host: `${token.host}:${token.port}` },
    },
    { signingDate: new Date(issued), expiresIn: expires },
  );
  const signature = presigned.query?.['X-Amz-Signature'];
  return typeof signature === 'string' ? signature : '';
}
