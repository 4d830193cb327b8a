/**
 * The local control plane's HTTP shell: a node:http server on 127.0.0.1 that routes each request to a
 * service by its SigV4 credential scope (`Credential=AKID/20260101/<region>/<signingName>/aws4_request`,
 * which also gives the region) and hands it to the codec dispatcher.
 *
 * Signatures are not verified: the local credentials are fixed, well-known values and the server only
 * listens on the loopback interface, so a signature would prove nothing that the socket does not.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dispatch, type SimHandler } from './codec/dispatch.js';
import { escapeXml } from './codec/values.js';
import { SERVICE_NAMES, SERVICES } from './services.js';
import type { SimService } from './types.js';

export interface SimServerOptions {
  handler: SimHandler;
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
const SCOPE = /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

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

function readBody(req: IncomingMessage): Promise<string | undefined> {
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
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function route(req: IncomingMessage, res: ServerResponse, handler: SimHandler): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/health') {
    send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ ok: true }));
    return;
  }
  if (req.method !== 'POST') {
    plainError(res, 405, 'MethodNotAllowed', 'Only POST requests are served');
    return;
  }
  const scope = SCOPE.exec(req.headers.authorization ?? '');
  if (!scope) {
    plainError(res, 403, 'MissingAuthenticationToken', 'Request is missing a SigV4 Authentication Token');
    return;
  }
  const [, region, signingName] = scope;
  const service = serviceBySigningName(signingName);
  if (!service) {
    plainError(res, 400, 'UnknownService', `The local endpoint does not serve "${signingName}"`);
    return;
  }
  const body = await readBody(req);
  if (body === undefined) {
    plainError(res, 413, 'RequestEntityTooLarge', 'Request body too large');
    return;
  }
  const headers: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const out = await dispatch(service, region, { headers, body }, handler);
  send(res, out.status, out.headers, out.body);
}

export async function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const host = '127.0.0.1';
  const server = createServer((req, res) => {
    route(req, res, opts.handler).catch(() => {
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
