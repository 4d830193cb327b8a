/**
 * How AWS refuses a request it cannot authenticate, per protocol. Query services (RDS, STS, CloudWatch's
 * Query side) answer 403 with InvalidClientTokenId / SignatureDoesNotMatch / MissingAuthenticationToken,
 * and put a request dated outside the 15-minute window under SignatureDoesNotMatch ("Signature
 * expired: ..."). JSON services (Secrets Manager, PI, the tagging API) answer 400 with the Coral names
 * (UnrecognizedClientException, InvalidSignatureException, MissingAuthenticationTokenException). EC2
 * answers AuthFailure for a key or signature it cannot validate and RequestExpired for the clock.
 */
import { formatAmzDate, parseAmzDate } from '../sigv4-signer.js';
import type { AuthProblem } from '../request-auth.js';
import type { ProtocolKind } from './protocols.js';
import type { WireError } from './types.js';

type Entry = readonly [code: string, status: number];

interface Refusal {
  query: Entry;
  json: Entry;
  ec2: Entry;
}

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
const EC2_AUTH = 'AWS was not able to validate the provided access credentials';

const REFUSALS: Record<AuthProblem, Refusal> = {
  missing: { query: ['MissingAuthenticationToken', 403], json: ['MissingAuthenticationTokenException', 400], ec2: ['MissingAuthenticationToken', 401] },
  incomplete: { query: ['IncompleteSignature', 400], json: ['IncompleteSignatureException', 400], ec2: ['IncompleteSignature', 400] },
  'unknown-key': { query: ['InvalidClientTokenId', 403], json: ['UnrecognizedClientException', 400], ec2: ['AuthFailure', 401] },
  'bad-signature': { query: ['SignatureDoesNotMatch', 403], json: ['InvalidSignatureException', 400], ec2: ['AuthFailure', 401] },
  expired: { query: ['SignatureDoesNotMatch', 403], json: ['InvalidSignatureException', 400], ec2: ['RequestExpired', 400] },
  'not-yet-valid': { query: ['SignatureDoesNotMatch', 403], json: ['InvalidSignatureException', 400], ec2: ['RequestExpired', 400] },
};

function clockMessage(problem: 'expired' | 'not-yet-valid', signedAt: string, now: number): string {
  const window = 15 * 60 * 1000;
  const at = formatAmzDate(now);
  return problem === 'expired'
    ? `Signature expired: ${signedAt} is now earlier than ${formatAmzDate(now - window)} (${at} - 15 min.)`
    : `Signature not yet current: ${signedAt} is still later than ${formatAmzDate(now + window)} (${at} + 15 min.)`;
}

function message(problem: AuthProblem, kind: ProtocolKind, detail: string | undefined, now: number): string {
  switch (problem) {
    case 'missing':
      return kind === 'ec2' ? EC2_AUTH : kind === 'query' ? 'Request is missing Authentication Token' : 'Missing Authentication Token';
    case 'incomplete':
      return detail ?? 'The request signature does not conform to AWS standards.';
    case 'unknown-key':
      return kind === 'ec2' ? EC2_AUTH : INVALID_TOKEN;
    case 'bad-signature':
      return kind === 'ec2' ? EC2_AUTH : MISMATCH;
    case 'expired':
    case 'not-yet-valid':
      if (kind === 'ec2') return 'Request has expired.';
      return detail && parseAmzDate(detail) !== undefined ? clockMessage(problem, detail, now) : MISMATCH;
  }
}

/**
 * The wire error for a refused request. For JSON services migrated from Query (awsQueryCompatible), the
 * Query code rides along in x-amzn-query-error, as the codec does for every error.
 */
export function authRefusal(problem: AuthProblem, kind: ProtocolKind, detail?: string, now = Date.now()): WireError {
  const r = REFUSALS[problem];
  const isJson = kind === 'json1.0' || kind === 'json1.1';
  const [queryCode, queryStatus] = kind === 'ec2' ? r.ec2 : r.query;
  const [jsonCode, jsonStatus] = r.json;
  return {
    shapeName: isJson ? jsonCode : queryCode,
    queryCode,
    status: isJson ? jsonStatus : queryStatus,
    sender: 'client',
    message: message(problem, kind, detail, now),
  };
}
