/**
 * Checks the SigV4 signature of a request to the local control plane, as AWS does before anything else:
 * the Authorization header's credential scope names the key, the region and the service; the key must
 * be the local one; X-Amz-Date must be within 15 minutes of this machine's clock; and the signature,
 * recomputed by the SDK's signer over what arrived (method, path, query, the signed headers, the body's
 * hash), must be the one sent. Presigned (query-string) requests are not accepted: no SDK client sends
 * them to these APIs.
 */
import { receivingSigner, parseAmzDate, sameSignature, sha256Hex, type SigningCredentials } from './sigv4-signer.js';

export type AuthProblem = 'missing' | 'incomplete' | 'unknown-key' | 'bad-signature' | 'expired' | 'not-yet-valid';

export interface ReceivedRequest {
  method: string;
  /** The request target as received: path and query string. */
  url: string;
  /** Lower-case names. */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
}

export type AuthVerdict =
  | { ok: true; scope: CredentialScope }
  | { ok: false; problem: AuthProblem; detail?: string; scope?: CredentialScope };

/** AWS allows a signed request's date to be 15 minutes either side of its own clock. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const HEADER = /^AWS4-HMAC-SHA256 (.*)$/;

/** The scope alone (for routing), or undefined when the header is absent or not SigV4. */
export function credentialScope(authorization: string | undefined): CredentialScope | undefined {
  const fields = authFields(authorization);
  return fields?.scope;
}

function authFields(authorization: string | undefined): { scope?: CredentialScope; signedHeaders?: string[]; signature?: string } | undefined {
  const m = HEADER.exec(authorization ?? '');
  if (!m) return undefined;
  const out: { scope?: CredentialScope; signedHeaders?: string[]; signature?: string } = {};
  for (const part of m[1]!.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 'Credential') {
      const s = value.split('/');
      if (s.length === 5 && s[4] === 'aws4_request' && s.every((x) => x.length > 0)) out.scope = { accessKeyId: s[0]!, date: s[1]!, region: s[2]!, service: s[3]! };
    } else if (name === 'SignedHeaders') out.signedHeaders = value.split(';').filter(Boolean);
    else if (name === 'Signature') out.signature = value;
  }
  return out;
}

function parseQuery(text: string): Record<string, string | string[]> | undefined {
  const query: Record<string, string | string[]> = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    } catch {
      return undefined;
    }
    const prev = query[key];
    query[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return query;
}

export async function verifyRequest(req: ReceivedRequest, credentials: SigningCredentials, now = Date.now()): Promise<AuthVerdict> {
  if (!req.headers.authorization) return { ok: false, problem: 'missing' };
  const fields = authFields(req.headers.authorization);
  if (!fields) return { ok: false, problem: 'incomplete', detail: "Authorization header requires the AWS4-HMAC-SHA256 algorithm" };
  const { scope, signedHeaders, signature } = fields;
  const missing = [!scope && 'Credential', !signedHeaders && 'SignedHeaders', !signature && 'Signature'].filter(Boolean);
  if (missing.length > 0) return { ok: false, problem: 'incomplete', detail: `Authorization header requires ${missing.map((m) => `'${m}'`).join(', ')} parameter(s).`, scope };
  const amzDate = req.headers['x-amz-date'];
  const signedAt = amzDate === undefined ? undefined : parseAmzDate(amzDate);
  if (signedAt === undefined) return { ok: false, problem: 'incomplete', detail: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.", scope };
  if (scope!.accessKeyId !== credentials.accessKeyId) return { ok: false, problem: 'unknown-key', scope };
  if (signedAt < now - MAX_CLOCK_SKEW_MS) return { ok: false, problem: 'expired', detail: amzDate, scope };
  if (signedAt > now + MAX_CLOCK_SKEW_MS) return { ok: false, problem: 'not-yet-valid', detail: amzDate, scope };
  if (scope!.date !== amzDate!.slice(0, 8) || !signedHeaders!.includes('host')) return { ok: false, problem: 'bad-signature', scope };
  // A claimed body hash is what the signer would use: it must be the hash of the body that came.
  const claimed = req.headers['x-amz-content-sha256'];
  if (claimed !== undefined && claimed !== sha256Hex(req.body)) return { ok: false, problem: 'bad-signature', scope };
  const q = req.url.indexOf('?');
  const query = parseQuery(q < 0 ? '' : req.url.slice(q + 1));
  if (!query) return { ok: false, problem: 'bad-signature', scope };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = value;
  }
  const signer = receivingSigner(credentials, scope!.region, scope!.service);
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: '', path: q < 0 ? req.url : req.url.slice(0, q), query, headers, body: req.body },
    { signingDate: new Date(signedAt), signableHeaders: new Set(signedHeaders) },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  return sameSignature(expected, signature!) ? { ok: true, scope: scope! } : { ok: false, problem: 'bad-signature', scope };
}
