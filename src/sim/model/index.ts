/** The simulated control plane model. */
export * from './cloud.js';
export { SimError } from '../types.js';
