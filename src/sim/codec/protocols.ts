/**
 * Which wire protocol each service speaks, read from the SDK client's own configuration (protocol class
 * and protocolSettings) rather than a hand-kept table, so a client upgrade cannot leave us behind.
 *
 * One service speaks two: CloudWatch moved from awsQuery to awsJson1_0 and its model says so with
 * `awsQueryCompatible`; AWS still answers Query (older SDKs, Debian's AWS CLI 2.9). Its client config
 * keeps the Query side's settings from the service shape (xmlNamespace
 * http://monitoring.amazonaws.com/doc/2010-08-01/, version 2010-08-01, the same as botocore's Query
 * model metadata), so `protocolFor` picks per request which of the two to answer in.
 */
import { SERVICES } from '../services.js';
import type { SimService } from '../types.js';

export type ProtocolKind = 'query' | 'ec2' | 'json1.0' | 'json1.1';

export interface ProtocolInfo {
  kind: ProtocolKind;
  /** Smithy namespace of the service's shapes, e.g. com.amazonaws.rds. */
  namespace: string;
  /** Query: the response xmlns. */
  xmlNamespace: string;
  /** Query: the API version sent as `Version`. */
  version: string;
  /** JSON: the X-Amz-Target prefix. */
  serviceTarget: string;
  /** JSON services migrated from Query (CloudWatch) also expect `x-amzn-query-error`. */
  awsQueryCompatible: boolean;
}

const KINDS: Record<string, ProtocolKind> = {
  'aws.protocols#awsQuery': 'query',
  'aws.protocols#ec2Query': 'ec2',
  'aws.protocols#awsJson1_0': 'json1.0',
  'aws.protocols#awsJson1_1': 'json1.1',
};

interface ClientLike {
  config: { protocol: { getShapeId(): string }; protocolSettings?: Record<string, unknown> };
  destroy(): void;
}

const cache = new Map<SimService, Promise<ProtocolInfo>>();

async function load(service: SimService): Promise<ProtocolInfo> {
  const info = SERVICES[service];
  const mod = await info.load();
  const Ctor = mod[info.clientName] as new (config: Record<string, unknown>) => ClientLike;
  // A throwaway client: nothing is sent, it only resolves the protocol the SDK would use.
  const client = new Ctor({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const shapeId = client.config.protocol.getShapeId();
    const kind = KINDS[shapeId];
    if (!kind) throw new Error(`unsupported protocol ${shapeId} for ${service}`);
    const s = client.config.protocolSettings ?? {};
    return {
      kind,
      namespace: String(s.defaultNamespace ?? ''),
      xmlNamespace: String(s.xmlNamespace ?? ''),
      version: String(s.version ?? ''),
      serviceTarget: String(s.serviceTarget ?? ''),
      awsQueryCompatible: s.awsQueryCompatible === true,
    };
  } finally {
    client.destroy();
  }
}

export function protocolOf(service: SimService): Promise<ProtocolInfo> {
  let p = cache.get(service);
  if (!p) {
    p = load(service);
    cache.set(service, p);
  }
  return p;
}

/** Lower-cased request headers, as the server hands them to the codecs. */
type Headers = Record<string, string | undefined>;

/** A request in a JSON protocol names its target or its JSON content type; a Query form POST does neither. */
function speaksJson(headers: Headers): boolean {
  return headers['x-amz-target'] !== undefined || /^application\/x-amz-json-1\.[01]\b/i.test(headers['content-type'] ?? '');
}

/**
 * The Query side of a JSON service migrated from Query, or undefined when it has none (every JSON service
 * but CloudWatch today, and CloudWatch itself if a client config ever dropped the Query settings).
 */
export function querySide(info: ProtocolInfo): ProtocolInfo | undefined {
  if (!info.awsQueryCompatible || (info.kind !== 'json1.0' && info.kind !== 'json1.1')) return undefined;
  if (!info.xmlNamespace || !info.version) return undefined;
  return { ...info, kind: 'query', serviceTarget: '', awsQueryCompatible: false };
}

/** The protocol one request to `service` speaks: the client's, or the Query side it kept when it speaks no JSON. */
export async function protocolFor(service: SimService, headers: Headers): Promise<ProtocolInfo> {
  const info = await protocolOf(service);
  const query = querySide(info);
  return query && !speaksJson(headers) ? query : info;
}
