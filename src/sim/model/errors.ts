/** The model's errors, with AWS's wire codes (the Query protocol's <Code>) and HTTP statuses. */
import { SimError } from '../types.js';

const STATUS: Record<string, number> = {
  DBClusterNotFoundFault: 404,
  DBInstanceNotFound: 404,
  DBClusterSnapshotNotFoundFault: 404,
  DBSnapshotNotFound: 404,
  GlobalClusterNotFoundFault: 404,
  DBSubnetGroupNotFoundFault: 404,
  DBParameterGroupNotFound: 404,
  DBClusterParameterGroupNotFound: 404,
  DBClusterQuotaExceededFault: 403,
  DBClusterAutomatedBackupNotFoundFault: 404,
  ResourceNotFoundException: 400,
  NoSuchEntity: 404,
  EntityAlreadyExists: 409,
  DeleteConflict: 409,
  LimitExceeded: 409,
  ResourceNotFound: 404,
};

export function fail(code: string, message: string): never {
  throw new SimError(code, message, STATUS[code] ?? 400);
}

export function invalidValue(message: string): never {
  fail('InvalidParameterValue', message);
}

export function invalidCombination(message: string): never {
  fail('InvalidParameterCombination', message);
}
