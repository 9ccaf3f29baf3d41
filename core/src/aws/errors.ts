import { networkErrorCode } from '../util/network-errors.js';

/**
 * What kind of failure an AWS SDK error is, as far as every AWS adapter sees it alike:
 * - `credentials`: refused or missing credentials;
 * - `region`: no region configured;
 * - `network`: the service could not be reached ({@link NETWORK_ERROR_CODES});
 * - `access-denied`: IAM refused the action;
 * - `throttled`: the service is still throttling after the SDK's own retries;
 * - `service`: anything else the service answered (the adapter reads `name`).
 */
type AwsFailureKind = 'credentials' | 'region' | 'network' | 'access-denied' | 'throttled' | 'service';

/** An AWS SDK (or network) error, classified. */
export interface AwsFailure {
  kind: AwsFailureKind;
  /** The SDK's error name (`ResourceNotFoundException`); `''` for a plain `Error`. */
  name: string;
  /** Its message, else its name. */
  reason: string;
  /** For `network`: the system code (`ECONNREFUSED`). */
  networkCode?: string;
}

/** A service as the shared messages name it. */
export interface AwsService {
  /** `DynamoDB`, `SSM`, `EventBridge`. */
  name: string;
  /** The SDK's endpoint override for it: `AWS_ENDPOINT_URL_DYNAMODB`. */
  endpointVariable: string;
}

const CREDENTIAL_ERRORS = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
  'CredentialsProviderError',
]);
const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyUpdates',
]);

/** Classify what an AWS SDK call threw. */
export function classifyAwsError(error: unknown): AwsFailure {
  const name = errorName(error);
  const reason = error instanceof Error ? error.message || error.name : String(error);
  if (CREDENTIAL_ERRORS.has(name)) return { kind: 'credentials', name, reason };
  // `AccessDeniedException`, and a service's own variants (`KMSAccessDeniedException`).
  if (name === 'AccessDenied' || name.endsWith('AccessDeniedException')) return { kind: 'access-denied', name, reason };
  if (THROTTLING_ERRORS.has(name)) return { kind: 'throttled', name, reason };
  // The SDK's region check throws a plain Error with no name or code of its own; its message is
  // the only sign, so it is read here, once.
  if (name === '' && /region is missing/i.test(reason)) return { kind: 'region', name, reason };
  const networkCode = networkErrorCode(error);
  if (networkCode) return { kind: 'network', name, reason, networkCode };
  return { kind: 'service', name, reason };
}

/**
 * The words of the failures no adapter words its own way — credentials, region, network,
 * throttling — as `text` (after "cannot <action> <what>:") and `hint`; `undefined` for the others.
 */
export function describeAwsFailure(
  failure: AwsFailure,
  service: AwsService,
  throttledHint: string,
): { text: string; hint: string } | undefined {
  switch (failure.kind) {
    case 'credentials':
      return {
        text: `the AWS credentials were refused or not found (${failure.name}: ${failure.reason})`,
        hint: 'Check AWS_PROFILE / AWS_ACCESS_KEY_ID or your SSO session (`aws sso login`), and AWS_REGION.',
      };
    case 'region':
      return { text: 'no AWS region is configured', hint: 'Set AWS_REGION (or a region in your AWS profile).' };
    case 'network':
      return {
        text: `cannot reach ${service.name} (${failure.networkCode})`,
        hint: `Check the network and AWS_REGION; when using a local endpoint, check ${service.endpointVariable}.`,
      };
    case 'throttled':
      return {
        text: `${service.name} is throttling requests even after retries (${failure.name})`,
        hint: throttledHint,
      };
    default:
      return undefined;
  }
}

/** The text for an error nothing more specific applies to. */
export function describeOtherAwsFailure(failure: AwsFailure): { text: string; hint: string } {
  return {
    text: `${failure.name ? `${failure.name}: ` : ''}${failure.reason}`,
    hint: 'If this persists, report it with the message above.',
  };
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== 'Error' ? name : '';
}
