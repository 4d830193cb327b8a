/** The contract between the simulated control plane and its two transports (in-process, HTTP). */

export type SimService = 'rds' | 'sts' | 'ec2' | 'secrets-manager' | 'cloudwatch' | 'pi' | 'tagging' | 'logs' | 'iam';

export interface SimCall {
  service: SimService;
  /** SDK operation name, e.g. CreateDBCluster. */
  operation: string;
  input: Record<string, unknown>;
  region: string;
}

/**
 * An AWS error as the model raises it. `code` is AWS's error code, which is also the SDK's exception
 * class name (DBClusterNotFoundFault, InvalidDBClusterStateFault, ThrottlingException ...).
 */
export class SimError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
    readonly sender: 'client' | 'server' = 'client',
  ) {
    super(message);
    this.name = code;
  }
}
