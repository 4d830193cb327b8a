/** The codec for a request, chosen by the protocol its service's SDK client speaks (and, for CloudWatch, the request). */
import type { SimService } from '../types.js';
import { jsonCodec } from './json.js';
import { protocolFor } from './protocols.js';
import { queryCodec } from './query.js';
import type { Codec } from './types.js';

export type { Codec, WireError, WireRequest, WireResponse } from './types.js';
export { resolveError } from './errors.js';
export { protocolFor, protocolOf, querySide, type ProtocolInfo, type ProtocolKind } from './protocols.js';

/** One codec per service and protocol. */
const cache = new Map<string, Codec>();

/** `headers` (lower-cased) tell which protocol a request speaks where the service accepts two. */
export async function codecFor(service: SimService, headers: Record<string, string | undefined>): Promise<Codec> {
  const p = await protocolFor(service, headers);
  const key = `${service} ${p.kind}`;
  let c = cache.get(key);
  if (!c) {
    c = p.kind === 'query' || p.kind === 'ec2' ? queryCodec(p) : jsonCodec(p);
    cache.set(key, c);
  }
  return c;
}
