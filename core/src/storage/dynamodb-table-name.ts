import type { ConfigProblem } from '../errors.js';
import { isRecord } from '../util/is-record.js';

/**
 * What DynamoDB accepts as a table name, or a table ARN (which it accepts wherever it takes a name).
 * Its own module so that config validation can check names without loading the DynamoDB adapter.
 */
export const DYNAMODB_TABLE_NAME = /^(?:arn:aws[\w-]*:dynamodb:[\w-]+:\d{12}:table\/)?[\w.-]{3,255}$/;

/**
 * The config problems of a `storage` block's table names: the check the config file gets after its
 * schema, and the bundled Lambda's `LIFE_STATS_*_TABLE` overrides get on their own. A non-string
 * is left to the schema.
 */
export function tableNameProblems(storage: unknown): ConfigProblem[] {
  if (!isRecord(storage) || storage.type !== 'dynamodb') return [];
  const problems: ConfigProblem[] = [];
  for (const key of ['metricsTable', 'runsTable']) {
    const table = storage[key];
    if (typeof table === 'string' && table !== '' && !DYNAMODB_TABLE_NAME.test(table)) {
      problems.push({
        path: `storage.${key}`,
        message: `"${table}" is not a DynamoDB table name: 3–255 letters, digits, "_", "-" and ".", or a table ARN`,
      });
    }
  }
  return problems;
}
