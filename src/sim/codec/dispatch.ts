/**
 * One request through a codec: name the operation, decode, validate against the SDK's request schema,
 * call the handler, encode the output or the error. Transport-free, so the HTTP server stays a shell.
 */
import { randomUUID } from 'node:crypto';
import { checkValue, operationSchema, type InputIssue } from '../shapes.js';
import { SimError, type SimCall, type SimService } from '../types.js';
import { resolveError } from './errors.js';
import { codecFor } from './index.js';
import type { WireRequest, WireResponse } from './types.js';

export type SimHandler = (call: SimCall) => Promise<Record<string, unknown>>;

export async function dispatch(service: SimService, region: string, req: WireRequest, handler: SimHandler): Promise<WireResponse> {
  const codec = await codecFor(service, req.headers);
  const requestId = randomUUID();
  try {
    const operation = codec.operationOf(req);
    const op = operation ? await operationSchema(service, operation) : undefined;
    if (!op) throw codec.unknownOperation(operation);
    const { input, issues } = codec.decode(op, req);
    const schemaIssues: InputIssue[] = [];
    checkValue(op.input, input, '', schemaIssues);
    const all = [...issues, ...schemaIssues];
    if (all.length > 0) throw codec.invalidInput(all);
    const output = await handler({ service, operation: op.name, input, region });
    return codec.encodeOutput(op, output ?? {}, requestId);
  } catch (e) {
    // Anything but a SimError is our bug: answer as AWS does, without a stack or the error's text.
    const err = e instanceof SimError
      ? e
      : new SimError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500, 'server');
    return codec.encodeError(await resolveError(service, err.code, err.message, err.httpStatus, err.sender), requestId);
  }
}
