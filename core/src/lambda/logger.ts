import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { LogFields, Logger } from '../log/logger.js';
import { printThroughStdout } from './stdout.js';

/** The service name on every log line and metric. */
export const SERVICE_NAME = 'life-stats';

/**
 * Powertools' logger, printing through stdout.ts's lines: its constructor builds no `Console` and
 * no stderr stream (a cold start's cost, docs/performance.md).
 */
class StdoutLogger extends PowertoolsLogger {}
printThroughStdout(StdoutLogger);

/**
 * A Powertools logger writing one JSON object per line to stdout, every level included.
 *
 * Powertools writes warnings and errors to stderr; DESIGN.md "Lambda" promises JSON lines on stdout,
 * and one stream keeps lines in order when read back locally. Its level comes from the environment
 * (`POWERTOOLS_LOG_LEVEL`, else `AWS_LAMBDA_LOG_LEVEL`; default INFO).
 */
export function createPowertoolsLogger(): PowertoolsLogger {
  // Tests assert warnings and errors land on stdout and that no stderr stream is made, so an
  // upgrade that renames `setConsole` (leaving the override inert) cannot break this silently.
  return new StdoutLogger({ serviceName: SERVICE_NAME });
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
