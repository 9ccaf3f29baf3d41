/**
 * The `life-stats` program as commander parses it: every command of command-table.ts, help,
 * version and usage errors. Loaded by main.ts for everything the fast path (fast-argv.ts) leaves.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { formatError, hasErrorCode } from '../errors.js';
import { escapeControl } from '../util/terminal-text.js';
import { addSpecOption, COMMANDS, COMMON_OPTIONS, type CommanderKit, type Wrap } from './command-table.js';
import type { CliIO } from './io.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, hideOptionValues } from './main.js';

const KIT: CommanderKit = { Option, InvalidArgumentError };

function addCommonOptions(command: Command): void {
  for (const sub of command.commands) {
    if (sub.commands.length > 0) {
      addCommonOptions(sub);
      continue;
    }
    for (const option of COMMON_OPTIONS) addSpecOption(sub, option, KIT);
  }
}

/** Parse `argv` with commander and run the command; `exitCode()` is the command's status. */
export async function runProgram(
  argv: readonly string[],
  io: CliIO,
  wrap: Wrap,
  exitCode: () => number,
): Promise<number> {
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

  for (const register of COMMANDS) register(program, wrap, KIT);
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
  return exitCode();
}

async function readVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
