/** The codec for a service, chosen by the protocol its SDK client speaks. */
import type { SimService } from '../types.js';
import { jsonCodec } from './json.js';
import { protocolOf } from './protocols.js';
import { queryCodec } from './query.js';
import type { Codec } from './types.js';

export type { Codec, WireError, WireRequest, WireResponse } from './types.js';
export { resolveError } from './errors.js';
export { protocolOf, type ProtocolInfo, type ProtocolKind } from './protocols.js';

const cache = new Map<SimService, Promise<Codec>>();

export function codecFor(service: SimService): Promise<Codec> {
  let c = cache.get(service);
  if (!c) {
    c = protocolOf(service).then((p) => (p.kind === 'query' || p.kind === 'ec2' ? queryCodec(p) : jsonCodec(p)));
    cache.set(service, c);
  }
  return c;
}
