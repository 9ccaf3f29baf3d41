/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** The small logging interface core depends on. Library code never calls `console.*`. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A logger that drops everything. */
export function createSilentLogger(): Logger {
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error() {},
    child: () => logger,
  };
  return logger;
}

export interface LogRecord {
  level: Exclude<LogLevel, 'silent'>;
  message: string;
  fields: LogFields;
  time: Date;
}

/** A logger that hands every record to `sink`; the base of the console and test loggers. */
export function createSinkLogger(
  sink: (record: LogRecord) => void,
  options: { level?: LogLevel; fields?: LogFields } = {},
): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const base = options.fields ?? {};
  const emit = (level: LogRecord['level']) => (message: string, fields?: LogFields) => {
    if (LEVELS[level] < min) return;
    sink({ level, message, fields: { ...base, ...fields }, time: new Date() });
  };
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (fields) => createSinkLogger(sink, { level: options.level ?? 'info', fields: { ...base, ...fields } }),
  };
}
