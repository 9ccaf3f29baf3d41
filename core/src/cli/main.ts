import { formatError, hasErrorCode, isLifeStatsError } from '../errors.js';
import { escapeControl } from '../util/terminal-text.js';
import type { Wrap } from './command-table.js';
import { parseFastArgv } from './fast-argv.js';
import { type CliIO, processIO } from './io.js';

export { type CliIO, processIO } from './io.js';

/** Exit statuses (DESIGN.md "CLI"). */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

const USAGE_CODES = [
  'E_SECRETS_READONLY',
  'E_CONFIG',
  'E_CONFIG_NOT_FOUND',
  'E_USAGE',
  'E_PLUGIN_NOT_FOUND',
  'E_PLUGIN_INVALID',
  'E_PLUGIN_API_VERSION',
];

function exitCodeFor(error: unknown): number {
  if (isLifeStatsError(error) && USAGE_CODES.includes(error.code)) return EXIT_USAGE;
  return EXIT_FAILED;
}

/** Options of {@link main}. */
export interface MainOptions {
  /**
   * The process is the CLI's own (`bin/life-stats.js`): nothing else in it reads local time on
   * another thread, so a command may read time zones through `process.env.TZ`, sparing the first
   * `Intl.DateTimeFormat`'s ICU start-up (~10 ms; `readZonesThroughProcess` in util/dates.ts).
   * Not for a program that embeds the CLI, whose other threads could see the borrowed zone.
   */
  ownsProcess?: boolean;
}

/**
 * The `life-stats` CLI. Returns the exit status instead of exiting, so tests run it in-process.
 * Results go to stdout; logs, progress and errors to stderr.
 *
 * Well-formed argv of `run`, `backfill` and `validate` is parsed by fast-argv.ts; everything else,
 * help, version and usage errors included, by commander (program.ts), loaded only then.
 */
export async function main(
  argv: readonly string[],
  io: CliIO = processIO(),
  options: MainOptions = {},
): Promise<number> {
  let exitCode = EXIT_OK;

  // The command's module is imported only when the command runs (see command-table.ts), and so is
  // the context it runs with (logger, redactor): `--help` and usage errors load neither.
  const wrap: Wrap =
    (load, optionsOf) =>
    async (...args) => {
      const { createCommandContext } = await import('./context.js');
      // The date helpers come with the context (`--help` loads neither).
      if (options.ownsProcess) (await import('../util/dates.js')).readZonesThroughProcess();
      const ctx = createCommandContext(io, optionsOf(...args));
      try {
        const execute = await load();
        exitCode = await execute(ctx, ...args);
      } catch (error) {
        io.stderr.write(`${escapeControl(ctx.redactor.redact(formatError(error)))}\n`);
        exitCode = exitCodeFor(error);
        if (!isLifeStatsError(error) && error instanceof Error && error.stack && io.env.LIFE_STATS_DEBUG) {
          io.stderr.write(`${error.stack}\n`);
        }
      }
    };

  const fast = parseFastArgv(argv);
  if (!fast) {
    const { runProgram } = await import('./program.js');
    return runProgram(argv, io, wrap, () => exitCode);
  }
  try {
    await fast.spec.action(wrap)(fast.flags);
  } catch (error) {
    // As program.ts answers an error thrown outside a command's own handling.
    io.stderr.write(`${escapeControl(formatError(error))}\n`);
    return hasErrorCode(error, 'E_USAGE') ? EXIT_USAGE : EXIT_FAILED;
  }
  return exitCode;
}

/**
 * Commander echoes an unknown option as typed, `--value=…` included: the value may be a secret
 * (`secrets set ns name --value=TOKEN`), so the message keeps only the option's name.
 */
export function hideOptionValues(message: string): string {
  return message.replace(/(unknown option '[^'=\s]*=).*'/g, "$1…'");
}
