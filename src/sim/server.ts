/**
 * The local control plane's HTTP shell: a node:http server on 127.0.0.1 that routes each request to a
 * service by its SigV4 credential scope (`Credential=AKID/20260101/<region>/<signingName>/aws4_request`,
 * which also gives the region) and hands it to the codec dispatcher.
 *
 * Every request's signature is verified against the server's credentials first (request-auth.ts) and
 * refused as that service's protocol refuses it on AWS: loopback is shared by every user of the machine,
 * and the local Secrets Manager holds master passwords.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authRefusal } from './codec/auth-errors.js';
import { dispatch, type SimHandler } from './codec/dispatch.js';
import { codecFor, protocolFor } from './codec/index.js';
import { escapeXml } from './codec/values.js';
import { credentialScope, verifyRequest, type AuthProblem } from './request-auth.js';
import type { SigningCredentials } from './sigv4-signer.js';
import { SERVICE_NAMES, SERVICES } from './services.js';
import type { SimService } from './types.js';

export interface SimServerOptions {
  handler: SimHandler;
  /** The only key pair whose signatures are accepted. */
  credentials: SigningCredentials;
  /** Told of each refused request (the problem and the service, never the key): for the server's log. */
  onRefused?(problem: AuthProblem, service: SimService | undefined): void;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Loopback only, by design. */
  host?: '127.0.0.1';
}

export interface SimServer {
  /** The address actually bound (always 127.0.0.1). */
  host: string;
  port: number;
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 10 * 1024 * 1024;

function serviceBySigningName(name: string): SimService | undefined {
  return SERVICE_NAMES.find((s) => SERVICES[s].signingName === name);
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string): void {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** For requests no service can answer: the generic Query error document. */
function plainError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error></ErrorResponse>`;
  send(res, status, { 'content-type': 'text/xml' }, body);
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * A refusal in the protocol the request spoke to its service (CloudWatch: JSON or Query), by its content
 * type when it names no service.
 */
async function refuse(res: ServerResponse, service: SimService | undefined, headers: Record<string, string | undefined>, problem: AuthProblem, detail?: string): Promise<void> {
  const kind = service ? (await protocolFor(service, headers)).kind : /json/.test(headers['content-type'] ?? '') ? 'json1.1' : 'query';
  const error = authRefusal(problem, kind, detail);
  if (service) {
    const out = (await codecFor(service, headers)).encodeError(error, randomUUID());
    send(res, out.status, out.headers, out.body);
  } else if (kind === 'json1.1') {
    send(res, error.status, { 'content-type': 'application/x-amz-json-1.1' }, JSON.stringify({ __type: error.shapeName, message: error.message }));
  } else plainError(res, error.status, error.queryCode, error.message);
}

async function route(req: IncomingMessage, res: ServerResponse, opts: SimServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') {
    send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ ok: true }));
    return;
  }
  if (req.method !== 'POST') {
    plainError(res, 405, 'MethodNotAllowed', 'Only POST requests are served');
    return;
  }
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const scope = credentialScope(headers.authorization);
  const service = scope ? serviceBySigningName(scope.service) : undefined;
  if (scope && !service) {
    plainError(res, 400, 'UnknownService', `The local endpoint does not serve "${scope.service}"`);
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    plainError(res, 413, 'RequestEntityTooLarge', 'Request body too large');
    return;
  }
  const verdict = await verifyRequest({ method: req.method, url: req.url ?? '/', headers, body }, opts.credentials);
  if (!verdict.ok) {
    opts.onRefused?.(verdict.problem, service);
    await refuse(res, service, headers, verdict.problem, verdict.detail);
    return;
  }
  const out = await dispatch(service!, verdict.scope.region, { headers, body: body.toString('utf8') }, opts.handler);
  send(res, out.status, out.headers, out.body);
}

export async function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const host = '127.0.0.1';
  const server = createServer((req, res) => {
    route(req, res, opts).catch(() => {
      if (!res.headersSent) plainError(res, 500, 'InternalFailure', 'The request processing has failed');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    host: address,
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // SDK clients keep connections alive; without this close() would wait for them to time out.
        server.closeAllConnections();
      }),
  };
}
