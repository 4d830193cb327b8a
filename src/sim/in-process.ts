/**
 * The dry run's transport: a middleware on a real SDK v3 client that answers each command from the
 * simulated control plane instead of sending HTTP. It sits in the finalizeRequest step at low priority,
 * inside the SDK's retry middleware, so throttling and 5xx answers are retried by the SDK's own strategy.
 * Errors come out as the SDK's own exception classes, as if they had been deserialized from AWS.
 */
import { randomUUID } from 'node:crypto';
import type { FinalizeHandler, FinalizeHandlerArguments, HandlerExecutionContext, Pluggable } from '@smithy/types';
import type { SimCloud } from './model/cloud.js';
import { validateInput } from './shapes.js';
import { SimError, type SimCall, type SimService } from './types.js';

/**
 * Called with the schema problems of every input (often none). Return a list to replace them, for
 * example to relax validation in a test, or nothing to keep them.
 */
export type ValidateHook = (call: SimCall, problems: string[]) => string[] | void;

const QUERY_SERVICES = new Set<SimService>(['rds', 'ec2', 'sts', 'cloudwatch']);
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'RequestLimitExceeded', 'TooManyRequestsException']);

type ExceptionClass = new (options: Record<string, unknown>) => Error;

const errorTables = new WeakMap<object, Map<string, ExceptionClass>>();

/**
 * Error code -> exception class, from the client's exported error schemas: a Query service's wire code
 * can differ from the class name (DBInstanceNotFound -> DBInstanceNotFoundFault).
 */
function errorTable(mod: Record<string, unknown>): Map<string, ExceptionClass> {
  let table = errorTables.get(mod);
  if (table) return table;
  table = new Map();
  for (const [key, value] of Object.entries(mod)) {
    if (!key.endsWith('$') || !Array.isArray(value) || value[0] !== -3) continue;
    const name = String(value[2]);
    const cls = mod[name];
    if (typeof cls !== 'function') continue;
    table.set(name, cls as ExceptionClass);
    const traits = value[3] as { awsQueryError?: [string, number] } | undefined;
    if (traits?.awsQueryError) table.set(traits.awsQueryError[0], cls as ExceptionClass);
  }
  errorTables.set(mod, table);
  return table;
}

function baseException(mod: Record<string, unknown>): ExceptionClass {
  const key = Object.keys(mod).find((k) => k.endsWith('ServiceException') && typeof mod[k] === 'function');
  if (!key) throw new Error('The SDK client module exports no ServiceException class.');
  return mod[key] as ExceptionClass;
}

/** The SDK exception for a SimError, with the $fault, $metadata and $retryable the retry strategy reads. */
export function toSdkError(mod: Record<string, unknown>, err: SimError, requestId = randomUUID()): Error {
  const cls = errorTable(mod).get(err.code);
  const server = err.sender === 'server' || err.httpStatus >= 500;
  const $metadata = { httpStatusCode: err.httpStatus, requestId, attempts: 1, totalRetryDelay: 0 };
  const options = { name: err.code, message: err.message, $fault: server ? 'server' : 'client', $metadata };
  const e = (cls ? new cls(options) : new (baseException(mod))(options)) as Error & Record<string, unknown>;
  e['$fault'] = options.$fault;
  e['$metadata'] = $metadata;
  e['Code'] = err.code;
  if (THROTTLING.has(err.code)) e['$retryable'] = { throttling: true };
  else if (server) e['$retryable'] = {};
  return e;
}

function operationName(context: HandlerExecutionContext): string {
  const fromSmithy = (context as { __smithy_context?: { operationName?: string } }).__smithy_context?.operationName;
  return String(context.commandName ?? fromSmithy ?? '').replace(/Command$/, '');
}

export function simPlugin(
  sim: SimCloud,
  service: SimService,
  clientModule: Record<string, unknown>,
  region: string,
  onValidate?: ValidateHook,
  /** Wraps each answer (the dry run's virtual clock holds still while a call is being answered). */
  during: <T>(work: () => Promise<T>) => Promise<T> = (work) => work(),
): Pluggable<any, any> {
  const middleware =
    (_next: FinalizeHandler<any, any>, context: HandlerExecutionContext) =>
    (args: FinalizeHandlerArguments<any>) =>
      during(async () => {
        const operation = operationName(context);
        const input = structuredClone((args.input ?? {}) as Record<string, unknown>);
        const call: SimCall = { service, operation, input, region };
        let problems = await validateInput(service, operation, input);
        const replaced = onValidate?.(call, problems);
        if (Array.isArray(replaced)) problems = replaced;
        if (problems.length > 0) {
          const code = QUERY_SERVICES.has(service) ? 'ValidationError' : 'ValidationException';
          const message = `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected: ${problems.join('; ')}`;
          throw toSdkError(clientModule, new SimError(code, message, 400));
        }
        const requestId = randomUUID();
        let result: Record<string, unknown>;
        try {
          result = await sim.call(call);
        } catch (err) {
          if (err instanceof SimError) throw toSdkError(clientModule, err, requestId);
          throw err;
        }
        return {
          output: { ...result, $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 } },
          response: { statusCode: 200, reason: 'OK', headers: { 'x-amzn-requestid': requestId }, body: undefined },
        };
      });
  return {
    applyToStack(stack) {
      stack.add(middleware, { step: 'finalizeRequest', priority: 'low', name: 'auroraLabSimulatedControlPlane', override: true });
    },
  };
}
