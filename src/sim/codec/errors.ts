/** Matches an error code against the service's modelled errors, for the code, status and fault AWS would send. */
import { serviceErrors } from '../shapes.js';
import type { SimService } from '../types.js';
import type { WireError } from './types.js';

interface ErrorTraits {
  awsQueryError?: [string, number];
  httpError?: number;
  error?: 'client' | 'server';
}

/**
 * `code` may be the shape name (DBInstanceNotFoundFault, the SDK's class) or the Query code
 * (DBInstanceNotFound); both find the modelled error. An unmodelled code keeps the caller's status.
 */
export async function resolveError(
  service: SimService,
  code: string,
  message: string,
  status: number,
  sender: 'client' | 'server',
): Promise<WireError> {
  const errors = await serviceErrors(service);
  const match = errors.find((e) => e.getName() === code) ??
    errors.find((e) => (e.getMergedTraits() as ErrorTraits).awsQueryError?.[0] === code);
  if (!match) return { shapeName: code, queryCode: code, status, sender, message };
  const traits = match.getMergedTraits() as ErrorTraits;
  const shapeName = match.getName() ?? code;
  return {
    shapeName,
    queryCode: traits.awsQueryError?.[0] ?? shapeName,
    status: traits.awsQueryError?.[1] ?? traits.httpError ?? status,
    sender: traits.error ?? sender,
    message,
  };
}
