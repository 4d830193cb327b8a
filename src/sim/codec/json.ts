/**
 * Server side of AWS JSON 1.0 / 1.1 (Secrets Manager, PI, Tagging, CloudWatch): `X-Amz-Target:
 * Prefix.Operation` and a JSON body. Timestamps default to epoch seconds and blobs to base64, as the
 * SDK's JSON codec expects; unknown keys are kept in the decoded input so validation can name them.
 */
import type { InputIssue, Shape } from '../shapes.js';
import { isPlainObject } from '../shapes.js';
import { SimError } from '../types.js';
import type { ProtocolInfo } from './protocols.js';
import type { Codec, WireResponse } from './types.js';
import { formatTimestamp, fromBase64, parseTimestamp, timestampFormat, toBase64 } from './values.js';

function readJson(ns: Shape, value: unknown): unknown {
  if (value === null) return undefined;
  if (ns.isStructSchema() && isPlainObject(value)) {
    const members = new Map(ns.structIterator());
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const member = members.get(k);
      const decoded = member ? readJson(member, v) : v;
      if (decoded !== undefined) out[k] = decoded;
    }
    return out;
  }
  if (ns.isListSchema() && Array.isArray(value)) {
    const item = ns.getValueSchema();
    return value.map((v) => readJson(item, v));
  }
  if (ns.isMapSchema() && isPlainObject(value)) {
    const item = ns.getValueSchema();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && k !== '__proto__') out[k] = readJson(item, v);
    return out;
  }
  // A value of the wrong type is kept as it came: validation reports it with its path.
  if (ns.isTimestampSchema()) return parseTimestamp(value) ?? value;
  if (ns.isBlobSchema() && typeof value === 'string') return fromBase64(value);
  return value;
}

function writeJson(ns: Shape, value: unknown): unknown {
  if (value == null) return undefined;
  if (ns.isStructSchema()) {
    if (!isPlainObject(value)) return undefined;
    const out: Record<string, unknown> = {};
    for (const [name, member] of ns.structIterator()) {
      const v = writeJson(member, value[name]);
      if (v !== undefined) out[name] = v;
    }
    return out;
  }
  if (ns.isListSchema()) {
    if (!Array.isArray(value)) return undefined;
    const item = ns.getValueSchema();
    return value.filter((v) => v != null).map((v) => writeJson(item, v));
  }
  if (ns.isMapSchema()) {
    if (!isPlainObject(value)) return undefined;
    const item = ns.getValueSchema();
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v != null) out[k] = writeJson(item, v);
    return out;
  }
  if (ns.isTimestampSchema()) {
    const d = value instanceof Date ? value : parseTimestamp(value);
    return d ? formatTimestamp(d, timestampFormat(ns, 7)) : undefined;
  }
  if (ns.isBlobSchema()) return toBase64(value);
  if (typeof value === 'bigint') return Number(value);
  // Smithy JSON sends non-finite floats as strings.
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

function joinMessages(issues: InputIssue[]): string {
  return issues.map((i) => i.message).join('; ');
}

export function jsonCodec(protocol: ProtocolInfo): Codec {
  const contentType = `application/x-amz-json-${protocol.kind === 'json1.0' ? '1.0' : '1.1'}`;
  const respond = (status: number, body: unknown, requestId: string, extra: Record<string, string> = {}): WireResponse => ({
    status,
    headers: { 'content-type': contentType, 'x-amzn-requestid': requestId, ...extra },
    body: JSON.stringify(body ?? {}),
  });
  return {
    operationOf(req) {
      const target = req.headers['x-amz-target'] ?? '';
      const dot = target.lastIndexOf('.');
      if (dot < 0 || target.slice(0, dot) !== protocol.serviceTarget) return undefined;
      return target.slice(dot + 1) || undefined;
    },

    decode(op, req) {
      let body: unknown = {};
      if (req.body.trim() !== '') {
        try {
          body = JSON.parse(req.body);
        } catch {
          throw new SimError('SerializationException', 'The request body is not valid JSON', 400);
        }
      }
      if (!isPlainObject(body)) throw new SimError('SerializationException', 'The request body must be a JSON object', 400);
      return { input: (readJson(op.input, body) ?? {}) as Record<string, unknown>, issues: [] };
    },

    unknownOperation(operation) {
      return new SimError('UnknownOperationException', `Unknown operation ${operation ?? '(none)'}`, 400);
    },

    invalidInput(issues) {
      // CloudWatch moved from Query to JSON and kept its Query errors (MissingParameter,
      // InvalidParameterValue, modelled with awsQueryError); other JSON services answer ValidationException.
      if (protocol.awsQueryCompatible) {
        const missing = issues.filter((i) => i.kind === 'missing');
        if (missing.length) return new SimError('MissingParameter', joinMessages(missing), 400);
        return new SimError('InvalidParameterValue', joinMessages(issues), 400);
      }
      const n = issues.length;
      return new SimError('ValidationException', `${n} validation error${n === 1 ? '' : 's'} detected: ${joinMessages(issues)}`, 400);
    },

    encodeOutput(op, output, requestId) {
      return respond(200, op.output.isStructSchema() ? writeJson(op.output, output) : {}, requestId);
    },

    encodeError(error, requestId) {
      const extra: Record<string, string> = {};
      if (protocol.awsQueryCompatible) {
        extra['x-amzn-query-error'] = `${error.queryCode};${error.sender === 'server' ? 'Receiver' : 'Sender'}`;
      }
      return respond(error.status, { __type: error.shapeName, message: error.message }, requestId, extra);
    },
  };
}
