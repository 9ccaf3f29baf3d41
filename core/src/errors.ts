/**
 * Errors of life-stats. Every error carries a stable `code`, a message that names its source and
 * says what to do next, and the `cause` it wraps.
 *
 * Checks use {@link isLifeStatsError} / the `code` rather than `instanceof`, because a plugin may be
 * bundled with its own copy of `@life-stats/core`.
 */

import { renderValue } from './util/render-value.js';

const BRAND = Symbol.for('life-stats.error');

/** Stable error codes. */
export type ErrorCode =
  | 'E_CONFIG'
  | 'E_CONFIG_NOT_FOUND'
  | 'E_USAGE'
  | 'E_PLUGIN_NOT_FOUND'
  | 'E_PLUGIN_INVALID'
  | 'E_PLUGIN_API_VERSION'
  | 'E_PLUGIN_OUTPUT'
  | 'E_PLUGIN_FAILED'
  | 'E_RETRYABLE'
  | 'E_RECONNECT_REQUIRED'
  | 'E_FETCH_TIMEOUT'
  | 'E_SECRET_ACCESS'
  | 'E_SECRETS'
  | 'E_SECRETS_READONLY'
  | 'E_STORAGE'
  | 'E_EVENTS'
  | 'E_DEADLINE'
  | 'E_DEFERRED'
  | 'E_DEPENDENCY_MISSING'
  | 'E_AUTH'
  | 'E_SECRET_MISSING'
  | 'E_QUEUE'
  | (string & {});

export interface LifeStatsErrorOptions {
  cause?: unknown;
  /** A next step for the user, appended to the message when printed. */
  hint?: string;
}

/** Base class of every error life-stats raises on purpose. */
export class LifeStatsError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly [BRAND] = true;

  constructor(code: ErrorCode, message: string, options: LifeStatsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LifeStatsError';
    this.code = code;
    this.hint = options.hint;
  }
}

/** True for any life-stats error, from this or another copy of the package. */
export function isLifeStatsError(error: unknown): error is LifeStatsError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
}

/** Has this value the given life-stats error code? */
export function hasErrorCode(error: unknown, code: ErrorCode): boolean {
  return isLifeStatsError(error) && error.code === code;
}

/** One problem in a config file, with the JSON path it is at. */
export interface ConfigProblem {
  /** JSON path such as `plugins[2].config.baseUrl`; empty for the file as a whole. */
  path: string;
  message: string;
}

/** The config file (or the environment overriding it) is wrong. Lists every problem at once. */
export class ConfigError extends LifeStatsError {
  readonly problems: readonly ConfigProblem[];
  readonly filepath: string | undefined;

  constructor(problems: readonly ConfigProblem[], filepath?: string, options: LifeStatsErrorOptions = {}) {
    const where = filepath ? ` in ${filepath}` : '';
    const lines = problems.map((p) => `  - ${p.path ? `${p.path}: ` : ''}${p.message}`);
    super(
      'E_CONFIG',
      `[life-stats] ${problems.length} config problem${problems.length === 1 ? '' : 's'}${where}:\n${lines.join('\n')}`,
      { hint: 'Fix the config and run `life-stats validate`.', ...options },
    );
    this.name = 'ConfigError';
    this.problems = problems;
    this.filepath = filepath;
  }
}

/** Bad command-line usage (unknown flag, bad date, a selection that matches nothing). Exit 2. */
export class UsageError extends LifeStatsError {
  constructor(message: string, options: LifeStatsErrorOptions = {}) {
    super('E_USAGE', `[life-stats] ${message}`, options);
    this.name = 'UsageError';
  }
}

/** A plugin could not be found, imported, or has the wrong shape or apiVersion. */
export class PluginLoadError extends LifeStatsError {
  constructor(
    code: 'E_PLUGIN_NOT_FOUND' | 'E_PLUGIN_INVALID' | 'E_PLUGIN_API_VERSION',
    message: string,
    options: LifeStatsErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'PluginLoadError';
  }
}

/** A plugin returned something core cannot store. Nothing of that result is written. */
export class PluginOutputError extends LifeStatsError {
  readonly pluginId: string;
  constructor(pluginId: string, message: string, options: LifeStatsErrorOptions = {}) {
    super('E_PLUGIN_OUTPUT', `[life-stats] [plugin:${pluginId}] ${message}`, {
      hint: 'This is a bug in the plugin: report it to its author.',
      ...options,
    });
    this.name = 'PluginOutputError';
    this.pluginId = pluginId;
  }
}

export interface RetryableErrorOptions extends LifeStatsErrorOptions {
  /** Wait at least this long before the next attempt (e.g. from a `Retry-After` header). */
  retryAfterMs?: number;
}

/** A transient failure: core retries with exponential backoff and jitter. */
export class RetryableError extends LifeStatsError {
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: RetryableErrorOptions = {}) {
    super('E_RETRYABLE', message, options);
    this.name = 'RetryableError';
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Options of {@link ReconnectRequiredError}. */
export interface ReconnectRequiredErrorOptions extends LifeStatsErrorOptions {
  /** The plugin whose credentials failed. Core fills it in for the pair when left out. */
  pluginId?: string;
  /** The user who must connect again. Core fills it in for the pair when left out. */
  userId?: string;
}

/**
 * Credentials are revoked or expired: the pair ends as `reconnect`, nothing is retried.
 *
 * A plugin needs to say only what went wrong. Core fills in `pluginId` and `userId` for the pair and,
 * when the plugin gave no `hint`, the command that connects the user again (`life-stats auth <plugin>
 * --user <user>` for an OAuth plugin), so the command is worded in one place.
 */
export class ReconnectRequiredError extends LifeStatsError {
  pluginId: string | undefined;
  userId: string | undefined;
  constructor(message: string, options: ReconnectRequiredErrorOptions = {}) {
    super('E_RECONNECT_REQUIRED', message, options);
    this.name = 'ReconnectRequiredError';
    this.pluginId = options.pluginId;
    this.userId = options.userId;
  }
}

/** Options of {@link DeferPairError}. */
export interface DeferPairErrorOptions extends LifeStatsErrorOptions {
  /** When the source will answer again (a quota's reset), for the message and the logs. */
  resumeAt?: Date;
  /**
   * The quota spent is the one every pair of the plugin's rate budget shares (a per-app limit):
   * until `resumeAt`, core defers the budget's other pairs of the run with this message instead of
   * calling the plugin for them. Only with `resumeAt` and a `rateLimit`.
   * @default false
   */
  sharedQuota?: boolean;
}

/**
 * The source cannot serve this pair now, and retrying within the run would not help (a daily quota
 * is spent): the pair ends as `deferred`, not `failed`. Nothing is retried, what earlier chunks
 * wrote stays, the cursor does not move, and the next run collects the window. Other pairs go on.
 *
 * @example Strava's daily limit is spent until midnight UTC:
 * ```ts
 * throw new DeferPairError('[life-stats] [plugin:strava] Strava\'s daily limit of 1000 requests is spent', { resumeAt });
 * ```
 */
export class DeferPairError extends LifeStatsError {
  readonly resumeAt: Date | undefined;
  readonly sharedQuota: boolean;
  constructor(message: string, options: DeferPairErrorOptions = {}) {
    const { resumeAt, sharedQuota, ...rest } = options;
    super('E_DEFERRED', message, {
      hint: `The cursor did not move: ${resumeAt ? `a run after ${resumeAt.toISOString()}` : 'the next run'} collects this window.`,
      ...rest,
    });
    this.name = 'DeferPairError';
    this.resumeAt = resumeAt;
    this.sharedQuota = sharedQuota === true && resumeAt !== undefined;
  }
}

/** A fetch did not finish within the per-fetch timeout: retried, like a network failure. */
export class FetchTimeoutError extends LifeStatsError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('E_FETCH_TIMEOUT', `fetch did not finish within ${timeoutMs} ms`, {
      hint: 'The provider is slow or the plugin ignores ctx.signal.',
    });
    this.name = 'FetchTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The run neared its deadline (a Lambda's remaining time): the pair ends as `deferred` and the next
 * run collects it. `started` tells a pair stopped while it ran from one that never began.
 */
export class DeadlineError extends LifeStatsError {
  readonly started: boolean;
  constructor(started: boolean) {
    super(
      'E_DEADLINE',
      started
        ? 'the run reached its deadline while this pair was running; what its unfinished fetch returned was not stored and its cursor did not move'
        : 'the run reached its deadline before this pair started',
      started
        ? {
            hint: 'The next run collects it. If this keeps happening, raise the function timeout or lower `concurrency`.',
          }
        : {},
    );
    this.name = 'DeadlineError';
    this.started = started;
  }
}

/** A plugin asked for a secret outside what it declared. */
export class SecretAccessError extends LifeStatsError {
  constructor(pluginId: string, name: string, detail: string) {
    super('E_SECRET_ACCESS', `[life-stats] [plugin:${pluginId}] may not use secret "${name}": ${detail}`, {
      hint: `Declare "${name}" in the plugin's \`secrets.user\` or \`secrets.shared\`.`,
    });
    this.name = 'SecretAccessError';
  }
}

/** A secret store cannot be read or written. */
export class SecretsError extends LifeStatsError {
  constructor(message: string, options: LifeStatsErrorOptions & { code?: 'E_SECRETS' | 'E_SECRETS_READONLY' } = {}) {
    super(options.code ?? 'E_SECRETS', message, options);
    this.name = 'SecretsError';
  }
}

/** A storage adapter failed to read or write. */
export class StorageError extends LifeStatsError {
  constructor(message: string, options: LifeStatsErrorOptions = {}) {
    super('E_STORAGE', message, options);
    this.name = 'StorageError';
  }
}

/** The fan-out queue (SQS) could not take the planned pairs. */
export class QueueError extends LifeStatsError {
  /** Messages SQS did not take, when it is known. */
  lost: number | undefined;

  constructor(message: string, options: LifeStatsErrorOptions = {}) {
    super('E_QUEUE', message, options);
    this.name = 'QueueError';
  }
}

/** Message plus hint, as printed to a user. */
export function formatError(error: unknown): string {
  if (isLifeStatsError(error)) return error.hint ? `${error.message}\n  → ${error.hint}` : error.message;
  return renderValue(error);
}
