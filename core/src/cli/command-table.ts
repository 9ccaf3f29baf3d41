/**
 * Every `life-stats` command: its name, arguments, options and help text, and the module that runs
 * it, imported only when that command runs. So `--help` loads no command module, and `run` loads
 * the run command's modules and nothing of `report`, `auth`, `plugin new` or `connect-link`.
 * The order here is the order `--help` lists them in.
 *
 * `run`, `backfill` and `validate` are declared as data ({@link CommandSpec}): commander builds them
 * from it, and so does the fast path (fast-argv.ts) that parses their well-formed argv without
 * loading commander. This file imports nothing of commander at run time: the builders get its
 * classes as a {@link CommanderKit}.
 */
import type { Command, InvalidArgumentError, Option } from 'commander';
import type { RunMode } from '../run/types.js';
import type { CommandContext, GlobalOptions } from './context.js';

/** What a command module exports to run it: the exit status. */
type Execute<A extends unknown[]> = (ctx: CommandContext, ...args: A) => Promise<number>;

/**
 * Turns a lazily imported command into a commander action: `load` imports the module and returns
 * its execute function; `optionsOf` picks the global options (`--config`, `--log-level`) out of
 * the action's arguments.
 */
export type Wrap = <A extends unknown[]>(
  load: () => Promise<Execute<A>>,
  optionsOf: (...args: A) => GlobalOptions,
) => (...args: A) => Promise<void>;

/** The commander classes a builder needs, handed in by the program (cli/program.ts). */
export interface CommanderKit {
  Option: typeof Option;
  InvalidArgumentError: typeof InvalidArgumentError;
}

/** Adds one command (or a group of them) to the program. */
type Register = (program: Command, wrap: Wrap, kit: CommanderKit) => void;

/** A value an option's parser refuses; commander words it as its own `InvalidArgumentError`. */
export class InvalidOptionValue extends Error {}

/** One option of a {@link CommandSpec}, as commander's `.option()` takes it. */
export interface OptionSpec {
  /** `--name` (a flag) or `--name <value>`. */
  flags: `--${string}`;
  description: string;
  /** Turns the value into the option's value; throws {@link InvalidOptionValue}. */
  parse?: (value: string) => unknown;
  choices?: readonly string[];
  required?: boolean;
}

/** The flags object a {@link CommandSpec}'s command runs with (commander's `opts()`). */
export type Flags = Record<string, unknown>;

/** A command without arguments, declared as data. */
export interface CommandSpec {
  name: string;
  description: string;
  /** Its own options; every command also takes {@link COMMON_OPTIONS}, after these. */
  options: readonly OptionSpec[];
  /** The action, given the parsed flags (commander's and the fast path's alike). */
  action: (wrap: Wrap) => (flags: Flags) => Promise<void>;
}

/** Options every command takes, after its own (DESIGN.md "CLI"). */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { flags: '--config <file>', description: 'config file (else LIFE_STATS_CONFIG, else searched from here)' },
  {
    flags: '--log-level <level>',
    description: 'log lines on stderr (else LIFE_STATS_LOG_LEVEL)',
    choices: ['debug', 'info', 'warn', 'error', 'silent'],
  },
];

/** `life-stats`' default report file, in the working directory. */
const DEFAULT_REPORT_FILE = 'life-stats-report.html';
/** Days `status` counts missing values in (report/status.ts's `STATUS_WINDOW_DAYS`). */
const STATUS_WINDOW_DAYS = 30;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidOptionValue('must be a positive integer');
  return n;
}

/** A spec's option on a commander command, exactly as `.option()`/`.requiredOption()`/`.addOption()` would add it. */
export function addSpecOption(command: Command, option: OptionSpec, kit: CommanderKit): void {
  const { parse } = option;
  const parser = parse
    ? (value: string) => {
        try {
          return parse(value);
        } catch (error) {
          if (error instanceof InvalidOptionValue) throw new kit.InvalidArgumentError(error.message);
          throw error;
        }
      }
    : undefined;
  if (option.choices) {
    command.addOption(new kit.Option(option.flags, option.description).choices(option.choices));
  } else if (option.required) {
    if (parser) command.requiredOption(option.flags, option.description, parser);
    else command.requiredOption(option.flags, option.description);
  } else if (parser) {
    command.option(option.flags, option.description, parser);
  } else {
    command.option(option.flags, option.description);
  }
}

function fromSpec(spec: CommandSpec): Register {
  return (program, wrap, kit) => {
    const command = program.command(spec.name).description(spec.description);
    for (const option of spec.options) addSpecOption(command, option, kit);
    const action = spec.action(wrap);
    command.action((flags: Flags) => action(flags));
  };
}

const runAction = (mode: RunMode) => (wrap: Wrap) => {
  const action = wrap(
    async () => {
      const { executeRun } = await import('./commands/run.js');
      return (ctx: CommandContext, flags: Parameters<typeof executeRun>[1]) => executeRun(ctx, flags, mode);
    },
    (flags) => flags,
  );
  return (flags: Flags) => action(flags as Parameters<typeof action>[0]);
};

const FILTER_OPTIONS: readonly OptionSpec[] = [
  { flags: '--metric <metric>', description: 'only this metric' },
  { flags: '--user <user>', description: 'only this user' },
  { flags: '--concurrency <n>', description: 'fetches in flight at once (default 8)', parse: positiveInt },
  { flags: '--json', description: 'print the run summary as JSON on stdout' },
];

/** The commands the fast path parses (fast-argv.ts): no arguments, options only. */
export const SPEC_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'run',
    description: 'collect every enabled metric for every user, from the last run (or backfillDays) to today',
    options: FILTER_OPTIONS,
    action: runAction('scheduled'),
  },
  {
    name: 'backfill',
    description: 'fetch an explicit window of local dates; never moves the run cursor',
    options: [
      { flags: '--from <date>', description: 'first local date, YYYY-MM-DD', required: true },
      { flags: '--to <date>', description: 'last local date, YYYY-MM-DD', required: true },
      ...FILTER_OPTIONS,
    ],
    action: runAction('backfill'),
  },
  {
    name: 'validate',
    description: 'check the config file and every enabled plugin config; exit 2 listing every problem',
    options: [],
    action: (wrap) => {
      const action = wrap(
        async () => (await import('./commands/validate.js')).executeValidate,
        (flags) => flags,
      );
      return (flags: Flags) => action(flags as Parameters<typeof action>[0]);
    },
  },
];

const [runSpec, backfillSpec, validateSpec] = SPEC_COMMANDS as [CommandSpec, CommandSpec, CommandSpec];

const plugins: Register = (program, wrap) => {
  program
    .command('plugins')
    .description('list configured and installed plugins: metrics, schedules, secrets, config options, problems')
    .option('--json', 'print JSON on stdout')
    .action(
      wrap(
        async () => (await import('./commands/plugins.js')).executePlugins,
        (flags) => flags,
      ),
    );
};

const check: Register = (program, wrap) => {
  program
    .command('check')
    .description("run each plugin's check(): credentials and connectivity")
    .option('--metric <metric>', 'only this metric')
    .option('--user <user>', 'only this user')
    .action(
      wrap(
        async () => (await import('./commands/check.js')).executeCheck,
        (flags) => flags,
      ),
    );
};

const auth: Register = (program, wrap) => {
  program
    .command('auth')
    .description('OAuth consent in the browser for a user; stores the refresh token in the secret store')
    .argument('<plugin-id>', 'e.g. google-fit-steps')
    .requiredOption('--user <user>', 'the user whose account to connect')
    .option('--no-open', 'print the consent address without opening a browser')
    .option('--port <port>', 'receive the redirect on this port of 127.0.0.1 (for providers that want it registered)')
    .action(
      wrap(
        async () => (await import('./commands/auth.js')).executeAuth,
        (_pluginId, flags) => flags,
      ),
    );
};

const connectLink: Register = (program, wrap) => {
  program
    .command('connect-link')
    .description('print a link that lets a user connect their account from a browser (needs connect.baseUrl)')
    .argument('[plugin-id]', 'a plugin that declares oauth, e.g. google-health')
    .option('--user <user>', 'the user who connects')
    .option('--expires <duration>', 'how long the link works: 90m, 12h, 7d … at most 30d (default 7d)')
    .option('--json', 'print { url, expiresAt, plugin, user, redirectUri } as JSON on stdout')
    .option('--rotate-key', 'replace the signing key: every link made before stops working')
    .action(
      wrap(
        async () => (await import('./commands/connect-link.js')).executeConnectLink,
        (_pluginId, flags) => flags,
      ),
    );
};

const secrets: Register = (program, wrap) => {
  const action = wrap(
    async () => (await import('./commands/secrets.js')).executeSecretsSet,
    (_namespace, _name, flags) => flags,
  );
  program
    .command('secrets')
    .description('manage secrets in the configured secret store')
    .command('set')
    .description('store a secret; the value is read from stdin (never from the command line)')
    .argument('<namespace>', "the plugin's secrets namespace, e.g. google-fit")
    .argument('<name>', 'the secret name, e.g. token')
    .option('--user <user>', 'a per-user secret of this user (else a shared one)')
    // A value typed after <name> gets our own message (commander's would just say "too many arguments").
    .allowExcessArguments(true)
    .action((namespace: string, name: string, flags, cmd: Command) =>
      action(namespace, name, { ...cmd.optsWithGlobals(), ...flags, excessArguments: cmd.args.length - 2 }),
    );
};

const query: Register = (program, wrap, { Option }) => {
  program
    .command('query')
    .description('print stored observations')
    .option('--metric <metric>', 'only this metric')
    .option('--user <user>', 'only this user')
    .option('--from <date>', 'first local date, YYYY-MM-DD')
    .option('--to <date>', 'last local date, YYYY-MM-DD')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json']).default('table'))
    .action(
      wrap(
        async () => (await import('./commands/query.js')).executeQuery,
        (flags) => flags,
      ),
    );
};

const init: Register = (program, wrap) => {
  program
    .command('init')
    .description('write a starter life-stats.config.json here')
    .option('--user <id>', 'the first user id', 'me')
    .option('--force', 'overwrite an existing config')
    .action(
      wrap(
        async () => (await import('./commands/init.js')).executeInit,
        () => ({}),
      ),
    );
};

const pluginNew: Register = (program, wrap) => {
  program
    .command('plugin')
    .description('plugin authoring')
    .command('new <name>')
    .description('create a ready-to-publish plugin package life-stats-plugin-<name>')
    .option('--dir <dir>', 'folder to create the package in (default: the working directory)')
    .action(
      wrap(
        async () => (await import('./commands/plugin-new.js')).executePluginNew,
        () => ({}),
      ),
    );
};

const status: Register = (program, wrap) => {
  program
    .command('status')
    .description(
      `last run, status and days missing (last ${STATUS_WINDOW_DAYS}) per user × metric; exit 1 if any needs attention`,
    )
    .option('--json', 'print { "status": [...] } on stdout')
    .action(
      wrap(
        async () => {
          const { executeStatus } = await import('./commands/status.js');
          return (ctx: CommandContext, flags: Parameters<typeof executeStatus>[1]) => executeStatus(ctx, flags);
        },
        (flags) => flags,
      ),
    );
};

const report: Register = (program, wrap) => {
  program
    .command('report')
    .description('charts of the stored metrics (one offline HTML file)')
    .option('--out <file>', 'where to write the HTML', DEFAULT_REPORT_FILE)
    .option('--from <date>', 'first local date, YYYY-MM-DD (default: first stored day)')
    .option('--to <date>', 'last local date, YYYY-MM-DD (default: last stored day)')
    .option('--user <user>', 'only this user')
    .option('--metric <metric>', 'only this metric')
    .option('--open', 'open the report in the default browser')
    .action(
      wrap(
        async () => (await import('./commands/report.js')).executeReport,
        (flags) => flags,
      ),
    );
};

/** The commands, in the order `life-stats --help` lists them. */
export const COMMANDS: readonly Register[] = [
  (program, wrap, kit) => {
    fromSpec(runSpec)(program, wrap, kit);
    fromSpec(backfillSpec)(program, wrap, kit);
  },
  fromSpec(validateSpec),
  plugins,
  check,
  auth,
  connectLink,
  secrets,
  query,
  init,
  pluginNew,
  status,
  report,
];
