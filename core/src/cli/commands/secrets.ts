import { isValidUserId } from '../../config/user-id.js';
import { UsageError } from '../../errors.js';
import { openSecrets } from '../../run/open-stores.js';
import { type CommandContext, checkUserFlag, type GlobalOptions, loadCliConfig } from '../context.js';
import { readAll } from '../io.js';

interface SecretsSetFlags extends GlobalOptions {
  user?: string;
  /** Arguments after `<name>`: someone typed the value on the command line. */
  excessArguments?: number;
}

const NAMESPACE_RE = /^[a-z][a-z0-9_-]*$/;
const NAME_RE = /^[a-z][a-z0-9_]*$/;

/**
 * `secrets set <namespace> <name> [--user U]`: the value comes from stdin only, never argv.
 *
 * No argument of this command is ever echoed unless it is a valid namespace, secret name or user
 * id: a mistyped command (`secrets set ns token=VALUE`, `secrets set ns VALUE`) may hold the value
 * in any position, and it is already in the shell history and `ps` — logs must not add to that.
 */
export async function executeSecretsSet(
  ctx: CommandContext,
  namespace: string,
  name: string,
  flags: SecretsSetFlags,
): Promise<number> {
  const shownNamespace = NAMESPACE_RE.test(namespace) ? namespace : '<namespace>';
  const shownName = NAME_RE.test(name) ? name : '<name>';
  const shownUser = flags.user !== undefined && isValidUserId(flags.user) ? ` --user ${flags.user}` : '';
  const usage = `life-stats secrets set ${shownNamespace} ${shownName}${flags.user !== undefined ? shownUser || ' --user <user>' : ''} < token.txt`;
  if (flags.excessArguments) {
    throw new UsageError(
      'secrets set takes the value on stdin, not on the command line: nothing was stored, and the value is not shown',
      { hint: `Pipe it in instead, e.g. \`${usage}\`, and remove the command from your shell history.` },
    );
  }
  if (!NAMESPACE_RE.test(namespace)) {
    throw new UsageError(
      `the namespace (first argument) must match ${NAMESPACE_RE}; it is not shown, in case it is a secret typed in the wrong place: nothing was stored`,
      { hint: `The value goes on stdin: \`${usage}\`.` },
    );
  }
  if (!NAME_RE.test(name)) {
    throw new UsageError(
      `the secret name (second argument) must match ${NAME_RE}; it is not shown, in case it is a secret typed in the wrong place: nothing was stored`,
      { hint: `The value goes on stdin: \`${usage}\`.` },
    );
  }
  checkUserFlag(flags.user, { hideValue: true });
  const config = await loadCliConfig(ctx.io, flags, false);
  if (ctx.io.stdin.isTTY)
    ctx.io.stderr.write(`Enter the value of ${namespace}/${name}, then press Enter and Ctrl-D:\n`);
  let value = await readAll(ctx.io.stdin);
  // Strip exactly one trailing newline, as `echo` or a heredoc adds one.
  value = value.endsWith('\r\n') ? value.slice(0, -2) : value.endsWith('\n') ? value.slice(0, -1) : value;
  if (value.length === 0)
    throw new UsageError('no value on stdin: pipe the secret in, e.g. `life-stats secrets set … < token.txt`');
  ctx.redactor.add(value);
  const store = await openSecrets(config.secrets);
  await store.set(namespace, name, value, flags.user);
  const where = flags.user ? `user ${flags.user}'s secret` : 'shared secret';
  ctx.io.stderr.write(`Stored ${where} ${namespace}/${name} in the ${store.name} secret store.\n`);
  return 0;
}
