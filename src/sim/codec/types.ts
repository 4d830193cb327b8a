/** What every wire codec does, independent of protocol. */
import type { InputIssue, OperationShapes } from '../shapes.js';
import type { SimError } from '../types.js';

export interface WireRequest {
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: string;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An error as it goes on the wire, after matching it against the service's modelled errors. */
export interface WireError {
  /** The error shape's name: the SDK's exception class (JSON `__type`). */
  shapeName: string;
  /** The Query error code (the awsQueryError trait, else the shape name). */
  queryCode: string;
  status: number;
  sender: 'client' | 'server';
  message: string;
}

export interface Codec {
  /** The operation a request names (Query `Action`, JSON `X-Amz-Target`), undefined when absent or foreign. */
  operationOf(req: WireRequest): string | undefined;
  /** The input object the SDK sent, and the wire-level problems found on the way (unknown keys, bad values). */
  decode(op: OperationShapes, req: WireRequest): { input: Record<string, unknown>; issues: InputIssue[] };
  /** The error AWS answers for an unknown operation. */
  unknownOperation(operation: string | undefined): SimError;
  /** The error AWS answers for an input that does not match the request schema. */
  invalidInput(issues: InputIssue[]): SimError;
  encodeOutput(op: OperationShapes, output: Record<string, unknown>, requestId: string): WireResponse;
  encodeError(error: WireError, requestId: string): WireResponse;
}
