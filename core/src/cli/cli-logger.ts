import { createSinkLogger, LEVELS, type Logger, type LogLevel, type LogRecord } from '../log/logger.js';
import { renderValue } from '../util/render-value.js';
import { escapeControl } from '../util/terminal-text.js';
import type { CliIO } from './io.js';

const TAGS = ['plugin', 'user', 'metric'] as const;

/**
 * One readable line. What it shows comes from plugins and stores, so control characters are
 * escaped (`\x1b`): a plugin cannot move the cursor, rewrite earlier lines or print a hyperlink
 * that hides where it points. Line breaks of a message (an error and its hint) are kept.
 */
function formatLine(record: LogRecord): string {
  const { fields } = record;
  const one = (text: string) => escapeControl(text, { oneLine: true });
  const tags = TAGS.filter((k) => fields[k] !== undefined)
    .map((k) => `[${one(renderValue(fields[k]))}]`)
    .join(' ');
  const rest = Object.entries(fields).filter(([k]) => !(TAGS as readonly string[]).includes(k));
  const extra = rest.length ? ` ${rest.map(([k, v]) => `${one(k)}=${one(renderValue(v))}`).join(' ')}` : '';
  return `${record.level.padEnd(5)} ${tags ? `${tags} ` : ''}${escapeControl(renderValue(record.message))}${extra}\n`;
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
