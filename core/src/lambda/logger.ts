import { Console } from 'node:console';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogFields, Logger } from '../log/logger.js';

/** The service name on every log line and metric. */
export const SERVICE_NAME = 'life-stats';

/**
 * A Powertools logger writing one JSON object per line to stdout, every level included.
 *
 * Powertools writes warnings and errors to stderr; DESIGN.md "Lambda" promises JSON lines on stdout,
 * and one stream keeps lines in order when read back locally. Its level comes from the environment
 * (`POWERTOOLS_LOG_LEVEL`, else `AWS_LAMBDA_LOG_LEVEL`; default INFO).
 */
export function createPowertoolsLogger(): PowertoolsLogger {
  const logger = new PowertoolsLogger({ serviceName: SERVICE_NAME });
  // `console` is the instance Powertools prints through (it builds its own, bound to
  // process.stdout/stderr); pointing both streams at stdout is the smallest change that keeps its
  // formatting. A test asserts warnings and errors land on stdout, so an upgrade cannot break this
  // silently.
  const target = logger as unknown as { console?: Console };
  if (target.console instanceof Console) {
    const stdout = new Console({ stdout: process.stdout, stderr: process.stdout });
    // Powertools prints `trace` as a plain line (like Lambda does); keep that.
    stdout.trace = (...args: unknown[]) => stdout.log(...args);
    target.console = stdout;
  }
  return logger;
}

/**
 * Our {@link Logger} on top of a Powertools logger: `child(fields)` adds keys (plugin, user, metric)
 * to every line of the child, and per-call fields become keys of that line.
 */
export function adaptPowertoolsLogger(powertools: PowertoolsLogger, base: LogFields = {}): Logger {
  const emit =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: string, fields?: LogFields): void => {
      const attributes = fields ? { ...base, ...fields } : base;
      powertools[level](message, attributes as Record<string, unknown>);
    };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => adaptPowertoolsLogger(powertools, { ...base, ...fields }),
  };
}
