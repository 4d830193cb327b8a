/**
 * Secrets never reach output, logs or state: inputs are masked by member name before they are
 * recorded. The names are the SDK's sensitive members that labs can send.
 */
const SENSITIVE = /(password|secretstring|secretbinary|token|presignedurl|credentials?$|secretaccesskey)/i;

export const MASK = '***';

export function maskSecrets(value: unknown, key = ''): unknown {
  if (key && SENSITIVE.test(key) && value !== undefined && value !== null && typeof value !== 'boolean') return MASK;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v));
  // A timestamp (StartTime of a metrics query) stays a Date, not an empty object.
  if (value instanceof Date) return new Date(value.getTime());
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskSecrets(v, k);
    return out;
  }
  return value;
}
