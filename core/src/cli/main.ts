import { Command, CommanderError, Option } from 'commander';
import { formatError, hasErrorCode, isLifeStatsError } from '../errors.js';
import { escapeControl } from '../util/terminal-text.js';
import { COMMANDS, type Wrap } from './command-table.js';
import { createCommandContext } from './context.js';
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

function addCommonOptions(command: Command): void {
  for (const sub of command.commands) {
    if (sub.commands.length > 0) {
      addCommonOptions(sub);
      continue;
    }
    sub.addOption(new Option('--config <file>', 'config file (else LIFE_STATS_CONFIG, else searched from here)'));
    sub.addOption(
      new Option('--log-level <level>', 'log lines on stderr (else LIFE_STATS_LOG_LEVEL)').choices([
        'debug',
        'info',
        'warn',
        'error',
        'silent',
      ]),
    );
  }
}

/**
 * The `life-stats` CLI. Returns the exit status instead of exiting, so tests run it in-process.
 * Results go to stdout; logs, progress and errors to stderr.
 */
export async function main(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command('life-stats')
    .description('Collect one number per person, per day, per metric, from many sources, into a store you own.')
    .version(await readVersion(), '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(escapeControl(hideOptionValues(s))),
    });

  // The command's module is imported only when the command runs (see command-table.ts).
  const wrap: Wrap =
    (load, optionsOf) =>
    async (...args) => {
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

  for (const register of COMMANDS) register(program, wrap);
  addCommonOptions(program);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0)
        return EXIT_OK;
      // Commander has already printed its message.
      return EXIT_USAGE;
    }
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

async function readVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
