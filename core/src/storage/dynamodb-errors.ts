import { type AwsService, classifyAwsError, describeAwsFailure, describeOtherAwsFailure } from '../aws/errors.js';
import { isLifeStatsError, StorageError } from '../errors.js';
import { SOURCE } from './dynamodb-items.js';

/** DynamoDB, as the shared AWS messages name it. */
const DYNAMODB_SERVICE: AwsService = { name: 'DynamoDB', endpointVariable: 'AWS_ENDPOINT_URL_DYNAMODB' };

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
  const failure = classifyAwsError(error);
  const make = ({ text, hint }: { text: string; hint: string }) =>
    new StorageError(`${SOURCE} cannot ${action} (table ${table}): ${text}`, { hint, cause: error });

  if (failure.kind === 'access-denied') {
    return make({
      text: `access denied (${failure.reason})`,
      hint: `Allow dynamodb:${operation} on the table ${table} to the role or user running life-stats.`,
    });
  }
  const shared = describeAwsFailure(
    failure,
    DYNAMODB_SERVICE,
    'Run again later: the run row was not advanced, so the next run covers the gap. ' +
      'Consider on-demand capacity for the table.',
  );
  if (shared) return make(shared);
  switch (failure.name) {
    case 'ResourceNotFoundException':
      return make({
        text: `the table does not exist in this account and region (${failure.reason})`,
        hint:
          'Deploy the stack in infra/ (`npm run synth`, then `cdk deploy`), or point ' +
          'LIFE_STATS_METRICS_TABLE / LIFE_STATS_RUNS_TABLE and AWS_REGION at the existing tables.',
      });
    case 'ValidationException':
      return make({
        text: `DynamoDB rejected the request: ${failure.reason}`,
        hint: 'Check that the table has the key schema of DESIGN.md "Storage".',
      });
  }
  return make(describeOtherAwsFailure(failure));
}
