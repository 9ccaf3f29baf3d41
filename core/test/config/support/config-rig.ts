import { rejection } from '@life-stats/testing/assertions';
import { type ConfigError, hasErrorCode } from '../../../src/errors.js';

/** The `ConfigError` `promise` rejects with; any other outcome fails the test. */
export async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await rejection(promise);
  if (!hasErrorCode(error, 'E_CONFIG')) throw error;
  return error as unknown as ConfigError;
}

/** The config schema of the test plugin `water` (`pluginSource(…, waterSchema)`). */
export const waterSchema = {
  type: 'object',
  properties: { baseUrl: { type: 'string' }, glassMl: { type: 'integer', minimum: 1, default: 250 } },
  required: ['baseUrl'],
  additionalProperties: false,
};
