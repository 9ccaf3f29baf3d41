/**
 * Every `life-stats` command: its name, arguments, options and help text, and the module that runs
 * it, imported only when that command runs. So `--help` loads no command module, and `run` loads
 * the run command's modules and nothing of `report`, `auth`, `plugin new` or `connect-link`.
 * The order here is the order `--help` lists them in.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
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

/** Adds one command (or a group of them) to the program. */
type Register = (program: Command, wrap: Wrap) => void;

/** `life-stats`' default report file, in the working directory. */
const DEFAULT_REPORT_FILE = 'life-stats-report.html';
/** Days `status` counts missing values in (report/status.ts's `STATUS_WINDOW_DAYS`). */
const STATUS_WINDOW_DAYS = 30;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const run: Register = (program, wrap) => {
  const action = wrap(
    async () => {
      const { executeRun } = await import('./commands/run.js');
      return (ctx: CommandContext, mode: RunMode, flags: Parameters<typeof executeRun>[1]) =>
        executeRun(ctx, flags, mode);
    },
    (_mode, flags) => flags,
  );
  program
    .command('run')
    .description('collect every enabled metric for every user, from the last run (or backfillDays) to today')
    .option('--metric <metric>', 'only this metric')
    .option('--user <user>', 'only this user')
    .option('--concurrency <n>', 'fetches in flight at once (default 8)', positiveInt)
    .option('--json', 'print the run summary as JSON on stdout')
    .action((flags) => action('scheduled', flags));
  program
    .command('backfill')
    .description('fetch an explicit window of local dates; never moves the run cursor')
    .requiredOption('--from <date>', 'first local date, YYYY-MM-DD')
    .requiredOption('--to <date>', 'last local date, YYYY-MM-DD')
    .option('--metric <metric>', 'only this metric')
    .option('--user <user>', 'only this user')
    .option('--concurrency <n>', 'fetches in flight at once (default 8)', positiveInt)
    .option('--json', 'print the run summary as JSON on stdout')
    .action((flags) => action('backfill', flags));
};

const validate: Register = (program, wrap) => {
  program
    .command('validate')
    .description('check the config file and every enabled plugin config; exit 2 listing every problem')
    .action(
      wrap(
        async () => (await import('./commands/validate.js')).executeValidate,
        (flags) => flags,
      ),
    );
};

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

const query: Register = (program, wrap) => {
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
  run,
  validate,
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
