import type { LoadedConfig } from '../config/types.js';
import { showUserId, userIdProblem } from '../config/user-id.js';
import { UsageError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { createRedactingLogger, createRedactor, type Redactor } from '../log/redact.js';
import { openSecrets, openStorage } from '../run/open-stores.js';
import type { SecretStore } from '../secrets/types.js';
import type { Storage } from '../storage/types.js';
import { daysBetween, FIRST_DATE, isValidDate, LAST_DATE } from '../util/dates.js';
import { quoteForMessage } from '../util/terminal-text.js';
import { createCliLogger, resolveLogLevel } from './cli-logger.js';
import type { CliIO } from './io.js';

/** Options every command takes. */
export interface GlobalOptions {
  config?: string;
  logLevel?: string;
}

/** What a command runs with. */
export interface CommandContext {
  io: CliIO;
  logger: Logger;
  redactor: Redactor;
  /** Call before drawing to stderr outside the logger (clears a progress line). */
  setBeforeLog(fn: (() => void) | undefined): void;
}

export function createCommandContext(io: CliIO, options: GlobalOptions): CommandContext {
  const redactor = createRedactor();
  let beforeLog: (() => void) | undefined;
  const inner = createCliLogger(io, resolveLogLevel(options.logLevel, io.env), () => beforeLog?.());
  return {
    io,
    redactor,
    logger: createRedactingLogger(inner, redactor),
    setBeforeLog(fn) {
      beforeLog = fn;
    },
  };
}

/** Load the config named by `--config`, `LIFE_STATS_CONFIG`, or found by search. */
export async function loadCliConfig(io: CliIO, options: GlobalOptions, loadPlugins = true): Promise<LoadedConfig> {
  // Imported here, not at the top: `--help` and `plugin new` load no config.
  const { loadConfig } = await import('../config/load-config.js');
  return loadConfig({
    ...(options.config !== undefined ? { configPath: options.config } : {}),
    cwd: io.cwd,
    env: io.env,
    loadPlugins,
  });
}

/** Open storage and secrets, run `fn`, always close storage. */
export async function withStores<T>(
  config: LoadedConfig,
  fn: (stores: { storage: Storage; secrets: SecretStore }) => Promise<T>,
): Promise<T> {
  const storage = await openStorage(config.storage);
  try {
    const secrets = await openSecrets(config.secrets);
    return await fn({ storage, secrets });
  } finally {
    await storage.close();
  }
}

/** A `--from`/`--to` value: a real calendar date, else a usage error. */
function parseDateOption(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isValidDate(value)) {
    throw new UsageError(
      `${flag} must be a calendar date YYYY-MM-DD from ${FIRST_DATE} to ${LAST_DATE}, got ${quoteForMessage(value)}`,
    );
  }
  return value;
}

/** `--from` and `--to` in order; with `maxDays`, a window of at most that many days. */
export function parseDateRange(from?: string, to?: string, maxDays?: number): { from?: string; to?: string } {
  const f = parseDateOption('--from', from);
  const t = parseDateOption('--to', to);
  if (f && t && f > t) throw new UsageError(`--from ${f} is after --to ${t}`);
  if (f && t && maxDays !== undefined && daysBetween(f, t) + 1 > maxDays) {
    throw new UsageError(
      `--from ${f} --to ${t} spans ${daysBetween(f, t) + 1} days; a backfill spans at most ${maxDays} days (100 years)`,
      { hint: 'Backfill a shorter window, or several windows one after another.' },
    );
  }
  return { ...(f ? { from: f } : {}), ...(t ? { to: t } : {}) };
}

/**
 * A `--user` value by the user-id rule (DESIGN.md "Users"), else a usage error naming the flag.
 * `hideValue` leaves the value out of the message (`secrets set`, where it may be a secret typed
 * in the wrong place).
 */
export function checkUserFlag(user: string | undefined, options: { hideValue?: boolean } = {}): void {
  if (user === undefined) return;
  const problem = userIdProblem(user);
  if (problem === undefined) return;
  const shown = options.hideValue
    ? 'the value of --user (not shown: it may be a secret)'
    : `--user ${showUserId(user)}`;
  throw new UsageError(`${shown} is not a user id: it ${problem}`, {
    hint: 'A user id is letters, digits and . _ @ + -, starting with a letter or digit, at most 128 characters.',
  });
}
