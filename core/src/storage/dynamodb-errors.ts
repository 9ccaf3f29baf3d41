import { isLifeStatsError, StorageError } from '../errors.js';
import { SOURCE } from './dynamodb-items.js';

/** What a failed request was doing, for the message. */
export interface FailedRequest {
  /** `write metrics`, `read a run`… */
  action: string;
  /** The DynamoDB API (`BatchWriteItem`), for the IAM action in the hint. */
  operation: string;
  table: string;
}

/**
 * Turn an AWS SDK (or network) error into a {@link StorageError} that names the table, says what
 * went wrong in words and what to do next, and keeps the SDK error as `cause`.
 */
export function toStorageError(request: FailedRequest, error: unknown): StorageError {
  if (isLifeStatsError(error)) return error as StorageError;
  const { action, operation, table } = request;
  const name = errorName(error);
  const reason = errorMessage(error);
  const prefix = `${SOURCE} cannot ${action} (table ${table}):`;
  const make = (text: string, hint: string) => new StorageError(`${prefix} ${text}`, { hint, cause: error });

  switch (name) {
    case 'ResourceNotFoundException':
      return make(
        `the table does not exist in this account and region (${reason})`,
        'Deploy the stack in infra/ (`npm run synth`, then `cdk deploy`), or point ' +
          'LIFE_STATS_METRICS_TABLE / LIFE_STATS_RUNS_TABLE and AWS_REGION at the existing tables.',
      );
    case 'AccessDeniedException':
      return make(
        `access denied (${reason})`,
        `Allow dynamodb:${operation} on the table ${table} to the role or user running life-stats.`,
      );
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
    case 'CredentialsProviderError':
      return make(
        `the AWS credentials were refused or not found (${name}: ${reason})`,
        'Check AWS_PROFILE / AWS_ACCESS_KEY_ID or your SSO session (`aws sso login`), and AWS_REGION.',
      );
    case 'ProvisionedThroughputExceededException':
    case 'ThrottlingException':
    case 'RequestLimitExceeded':
      return make(
        `DynamoDB is throttling requests even after retries (${name})`,
        'Run again later: the run row was not advanced, so the next run covers the gap. ' +
          'Consider on-demand capacity for the table.',
      );
    case 'ValidationException':
      return make(
        `DynamoDB rejected the request: ${reason}`,
        'Check that the table has the key schema of DESIGN.md "Storage".',
      );
  }
  if (/region is missing/i.test(reason)) {
    return make('no AWS region is configured', 'Set AWS_REGION (or a region in your AWS profile).');
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE)$/.test(code)) {
    return make(
      `cannot reach DynamoDB (${code})`,
      'Check the network and AWS_REGION; when using a local DynamoDB, check AWS_ENDPOINT_URL_DYNAMODB.',
    );
  }
  return make(`${name ? `${name}: ` : ''}${reason}`, 'If this persists, report it with the message above.');
}

function errorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== 'Error' ? name : '';
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
