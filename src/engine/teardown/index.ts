/** Teardown: the pure plan, the executor, and the per-type table the runner also uses to adopt resources. */
export { planTeardown, type TeardownAction, type TeardownActionKind, type TeardownPhase } from './plan.js';
export { teardownResources, type TeardownOptions, type TeardownResult } from './run-teardown.js';
export type { TeardownCall } from './context.js';
export { NotOwnedError, isOwned } from './ownership.js';
export {
  ALREADY_EXISTS_CODES,
  RESOURCE_SPECS,
  asCreateOutput,
  describeResource,
  isAlreadyExists,
  isBusy,
  isNotFound,
  type DescribedResource,
} from './resource-types.js';
