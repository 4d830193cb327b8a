/** Credentials for tests that build a server or a token check themselves, and a signer for hand-made requests. */
import type { LocalCredentials } from '../../src/local/daemon/local-credentials.js';
import { receivingSigner } from '../../src/sim/sigv4-signer.js';

/** A fixed pair in the shape localCredentials() makes (never a real key). */
export const TEST_CREDENTIALS: LocalCredentials = { accessKeyId: 'AKIATESTLOCALKEY2345', secretAccessKey: 'testonlytestonlytestonlytestonlytestonly' };

/**
 * The headers of a POST to `url` signed by the SDK's signer, as an SDK client would send them
 * (host, x-amz-date, authorization and the given ones).
 */
export async function signedHeaders(opts: {
  url: string;
  body: string;
  headers: Record<string, string>;
  region: string;
  service: string;
  credentials?: LocalCredentials;
  at?: Date;
}): Promise<Record<string, string>> {
  const u = new URL(opts.url);
  const signer = receivingSigner(opts.credentials ?? TEST_CREDENTIALS, opts.region, opts.service);
  const signed = await signer.sign(
    { method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, query: {}, headers: { host: u.host, ...opts.headers }, body: opts.body },
    { signingDate: opts.at ?? new Date() },
  );
  return signed.headers as Record<string, string>;
}
