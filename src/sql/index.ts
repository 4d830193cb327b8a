/** The data plane: SQL sessions over pg and mysql2, IAM auth tokens, and the failover probe. */
export * from './session.js';
export { redact } from './sql-error.js';
export { generateAuthToken, type AuthTokenOptions } from './iam-token.js';
export { startProbe, verifyAcknowledgedWrites, type Probe, type ProbeOptions, type WriteVerification } from './probe.js';
export { DEFAULT_PROBE_TABLE } from './probe-sql.js';
export * from './timeline.js';
