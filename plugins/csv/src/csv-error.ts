import { LifeStatsError } from '@life-stats/core/plugin';

/**
 * An error of the csv plugin: prefixed like every life-stats error, with the next step as `hint`.
 * Its code, `E_PLUGIN_FAILED`, fails the pair at once: a file does not fix itself on a retry.
 */
export function csvError(message: string, hint: string, cause?: unknown): LifeStatsError {
  return new LifeStatsError('E_PLUGIN_FAILED', `[life-stats] [plugin:csv] ${message}`, {
    hint,
    ...(cause === undefined ? {} : { cause }),
  });
}
