import { createSinkLogger, LEVELS, type Logger, type LogLevel, type LogRecord } from '../log/logger.js';
import type { CliIO } from './io.js';

const TAGS = ['plugin', 'user', 'metric'] as const;

function formatLine(record: LogRecord): string {
  const { fields } = record;
  const tags = TAGS.filter((k) => fields[k] !== undefined)
    .map((k) => `[${String(fields[k])}]`)
    .join(' ');
  const rest = Object.entries(fields).filter(([k]) => !(TAGS as readonly string[]).includes(k));
  const extra = rest.length
    ? ` ${rest.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`
    : '';
  return `${record.level.padEnd(5)} ${tags ? `${tags} ` : ''}${record.message}${extra}\n`;
}

/** Human-readable log lines on stderr; stdout stays for results. */
export function createCliLogger(io: CliIO, level: LogLevel, beforeWrite?: () => void): Logger {
  return createSinkLogger(
    (record) => {
      beforeWrite?.();
      io.stderr.write(formatLine(record));
    },
    { level },
  );
}

/** `--log-level`, else `LIFE_STATS_LOG_LEVEL`, else `warn`. */
export function resolveLogLevel(flag: string | undefined, env: NodeJS.ProcessEnv): LogLevel {
  const value = flag ?? env.LIFE_STATS_LOG_LEVEL ?? 'warn';
  return value in LEVELS ? (value as LogLevel) : 'warn';
}
