/**
 * Server side of AWS Query (RDS, STS, IAM, CloudWatch's Query side) and EC2 Query: form-encoded
 * requests in, XML out. Mirrors @aws-sdk/core's QueryShapeSerializer (request keys) and XmlShapeDeserializer (response elements),
 * driven by the operation's schema, so no operation needs code of its own.
 */
import type { InputIssue, OperationShapes, Shape } from '../shapes.js';
import { isPlainObject, isSensitive } from '../shapes.js';
import { SimError } from '../types.js';
import type { ProtocolInfo } from './protocols.js';
import type { Codec, WireError, WireRequest, WireResponse } from './types.js';
import { escapeXml, formatTimestamp, fromBase64, parseTimestamp, timestampFormat, toBase64 } from './values.js';

interface Traits {
  xmlName?: string;
  ec2QueryName?: string;
  xmlFlattened?: unknown;
}

class FormReader {
  private readonly values = new Map<string, string>();
  private readonly consumed = new Set<string>();
  readonly issues: InputIssue[] = [];

  constructor(body: string, private readonly ec2: boolean) {
    for (const [k, v] of new URLSearchParams(body)) if (!this.values.has(k)) this.values.set(k, v);
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  /** Same naming rules as QueryShapeSerializer.getKey. */
  key(name: string, traits: Traits, struct: boolean): string {
    if (this.ec2 && traits.ec2QueryName) return traits.ec2QueryName;
    const key = traits.xmlName ?? name;
    return this.ec2 && struct ? key[0].toUpperCase() + key.slice(1) : key;
  }

  private has(prefix: string): boolean {
    for (const k of this.values.keys()) if (k === prefix || k.startsWith(`${prefix}.`)) return true;
    return false;
  }

  private take(key: string): string | undefined {
    const v = this.values.get(key);
    if (v !== undefined) this.consumed.add(key);
    return v;
  }

  read(ns: Shape, key: string): unknown {
    if (ns.isStructSchema()) {
      const out: Record<string, unknown> = {};
      let any = false;
      for (const [name, member] of ns.structIterator()) {
        const suffix = this.key(name, member.getMergedTraits() as Traits, true);
        const v = this.read(member, key ? `${key}.${suffix}` : suffix);
        if (v !== undefined) {
          out[name] = v;
          any = true;
        }
      }
      return any || key === '' ? out : undefined;
    }
    if (ns.isListSchema()) {
      if (!this.has(key)) return undefined;
      if (this.values.get(key) === '') {
        this.take(key); // serializeEmptyLists: `Key=` stands for []
        return [];
      }
      const item = ns.getValueSchema();
      const flat = this.ec2 || !!(ns.getMergedTraits() as Traits).xmlFlattened;
      const suffix = this.key('member', item.getMergedTraits() as Traits, false);
      const out: unknown[] = [];
      for (let i = 1; ; i++) {
        const k = flat ? `${key}.${i}` : `${key}.${suffix}.${i}`;
        if (!this.has(k)) break;
        const v = this.read(item, k);
        if (v !== undefined) out.push(v);
      }
      return out;
    }
    if (ns.isMapSchema()) {
      if (!this.has(key)) return undefined;
      const flat = !!(ns.getMergedTraits() as Traits).xmlFlattened;
      const keyNs = ns.getKeySchema();
      const valueNs = ns.getValueSchema();
      const ks = this.key('key', keyNs.getMergedTraits() as Traits, false);
      const vs = this.key('value', valueNs.getMergedTraits() as Traits, false);
      const out: Record<string, unknown> = {};
      for (let i = 1; ; i++) {
        const entry = flat ? `${key}.${i}` : `${key}.entry.${i}`;
        if (!this.has(entry)) break;
        const k = this.take(`${entry}.${ks}`);
        const v = this.read(valueNs, `${entry}.${vs}`);
        if (k !== undefined && k !== '__proto__' && v !== undefined) out[k] = v;
      }
      return out;
    }
    const raw = this.take(key);
    if (raw === undefined) return undefined;
    return this.scalar(ns, raw, key);
  }

  private scalar(ns: Shape, raw: string, key: string): unknown {
    const bad = (expected: string): undefined => {
      // Never echo a value the model marks sensitive back into an error message.
      const got = isSensitive(ns) ? '' : `, got "${raw}"`;
      this.issues.push({ kind: 'type', path: key, message: `parameter "${key}" must be ${expected}${got}` });
      return undefined;
    };
    if (ns.isBooleanSchema()) return raw === 'true' ? true : raw === 'false' ? false : bad('a boolean');
    if (ns.isNumericSchema()) {
      const n = Number(raw);
      return raw.trim() === '' || Number.isNaN(n) ? bad('a number') : n;
    }
    if (ns.isBigIntegerSchema()) return /^-?\d+$/.test(raw) ? BigInt(raw) : bad('an integer');
    if (ns.isBigDecimalSchema()) return Number.isNaN(Number(raw)) ? bad('a number') : raw;
    if (ns.isTimestampSchema()) return parseTimestamp(raw) ?? bad('a timestamp');
    if (ns.isBlobSchema()) return fromBase64(raw);
    return raw;
  }

  leftovers(): string[] {
    return [...this.values.keys()].filter((k) => !this.consumed.has(k) && k !== 'Action' && k !== 'Version');
  }
}

function xmlScalar(ns: Shape, value: unknown): string {
  if (ns.isTimestampSchema()) {
    const d = value instanceof Date ? value : parseTimestamp(value);
    return d ? String(formatTimestamp(d, timestampFormat(ns, 5))) : '';
  }
  if (ns.isBlobSchema()) return toBase64(value);
  if (ns.isDocumentSchema() && typeof value === 'object') return escapeXml(JSON.stringify(value));
  return escapeXml(String(value));
}

/** The element content for a value; the mirror image of XmlShapeDeserializer.readSchema. */
function xmlContent(ns: Shape, value: unknown): string {
  if (ns.isStructSchema()) {
    if (!isPlainObject(value)) return '';
    let out = '';
    for (const [name, member] of ns.structIterator()) {
      const v = value[name];
      if (v == null) continue;
      const tag = (member.getMemberTraits() as Traits).xmlName ?? name;
      const flat = !!(member.getMergedTraits() as Traits).xmlFlattened;
      if (flat && member.isListSchema() && Array.isArray(v)) {
        const item = member.getValueSchema();
        for (const x of v) if (x != null) out += `<${tag}>${xmlContent(item, x)}</${tag}>`;
      } else if (flat && member.isMapSchema() && isPlainObject(v)) {
        for (const entry of mapEntries(member, v)) out += `<${tag}>${entry}</${tag}>`;
      } else {
        out += `<${tag}>${xmlContent(member, v)}</${tag}>`;
      }
    }
    return out;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) return '';
    const item = ns.getValueSchema();
    const tag = (item.getMergedTraits() as Traits).xmlName ?? 'member';
    return value.filter((x) => x != null).map((x) => `<${tag}>${xmlContent(item, x)}</${tag}>`).join('');
  }
  if (ns.isMapSchema()) {
    if (!isPlainObject(value)) return '';
    return mapEntries(ns, value).map((e) => `<entry>${e}</entry>`).join('');
  }
  return xmlScalar(ns, value);
}

function mapEntries(ns: Shape, value: Record<string, unknown>): string[] {
  const keyNs = ns.getKeySchema();
  const valueNs = ns.getValueSchema();
  const kt = (keyNs.getMergedTraits() as Traits).xmlName ?? 'key';
  const vt = (valueNs.getMergedTraits() as Traits).xmlName ?? 'value';
  return Object.entries(value)
    .filter(([, v]) => v != null)
    .map(([k, v]) => `<${kt}>${escapeXml(k)}</${kt}><${vt}>${xmlContent(valueNs, v)}</${vt}>`);
}

function joinMessages(issues: InputIssue[]): string {
  return issues.map((i) => i.message).join('; ');
}

export function queryCodec(protocol: ProtocolInfo): Codec {
  const ec2 = protocol.kind === 'ec2';
  const xml = (status: number, body: string, requestId: string): WireResponse => ({
    status,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  });
  return {
    operationOf(req) {
      const action = new URLSearchParams(req.body).get('Action');
      return action || undefined;
    },

    decode(op: OperationShapes, req: WireRequest) {
      const reader = new FormReader(req.body, ec2);
      const input = (reader.read(op.input, '') ?? {}) as Record<string, unknown>;
      const issues = [...reader.issues];
      for (const key of reader.leftovers()) issues.push({ kind: 'unknown', path: key, message: `unknown parameter "${key}"` });
      return { input, issues };
    },

    unknownOperation(operation) {
      if (!operation) return new SimError('MissingAction', 'The request must contain the parameter Action', 400);
      return new SimError('InvalidAction', `The action ${operation} is not valid for this web service.`, 400);
    },

    invalidInput(issues) {
      const missing = issues.filter((i) => i.kind === 'missing');
      if (missing.length) return new SimError('MissingParameter', joinMessages(missing), 400);
      const unknown = issues.filter((i) => i.kind === 'unknown');
      if (unknown.length) {
        // RDS and STS model no error for a parameter they do not know (real RDS tends to ignore one),
        // but a misspelt parameter silently ignored is a lab bug hidden: we reject it. EC2 documents
        // `UnknownParameter` for this; for the other Query services the closest documented common error
        // is `InvalidParameterValue`... which means a bad value for a known parameter, so we use the
        // common error meant for query strings that do not follow the API: `InvalidQueryParameter`.
        const code = ec2 ? 'UnknownParameter' : 'InvalidQueryParameter';
        const text = unknown.map((i) => `The parameter ${i.path} is not recognized`).join('; ');
        return new SimError(code, text, 400);
      }
      return new SimError('InvalidParameterValue', joinMessages(issues), 400);
    },

    encodeOutput(op, output, requestId) {
      const name = op.name;
      const ns = protocol.xmlNamespace ? ` xmlns="${escapeXml(protocol.xmlNamespace)}"` : '';
      const content = op.output.isStructSchema() ? xmlContent(op.output, output) : '';
      if (ec2) {
        return xml(200, `<${name}Response${ns}><requestId>${requestId}</requestId>${content}</${name}Response>`, requestId);
      }
      const result = op.output.isStructSchema() ? `<${name}Result>${content}</${name}Result>` : '';
      const meta = `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
      return xml(200, `<${name}Response${ns}>${result}${meta}</${name}Response>`, requestId);
    },

    encodeError(error: WireError, requestId) {
      const code = escapeXml(error.queryCode);
      const message = escapeXml(error.message);
      if (ec2) {
        const body = `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
        return xml(error.status, body, requestId);
      }
      const ns = protocol.xmlNamespace ? ` xmlns="${escapeXml(protocol.xmlNamespace)}"` : '';
      const type = error.sender === 'server' ? 'Receiver' : 'Sender';
      const body = `<ErrorResponse${ns}><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
      return xml(error.status, body, requestId);
    },
  };
}
