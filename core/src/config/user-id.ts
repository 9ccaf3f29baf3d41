/**
 * The one user-id rule (DESIGN.md "Users"): an id matches {@link USER_ID_PATTERN} and is at most
 * {@link MAX_USER_ID_LENGTH} characters wherever it enters — the config, `--user`, `secrets set`,
 * the Lambda event, ids discovered in a secret store or the runs table.
 *
 * Why a rule at all: an id is a DynamoDB partition key (at most 2,048 bytes, and one oversized key
 * fails a whole shared batch), a segment of an SSM parameter name and of a file-store key, and it
 * is printed on terminals. An id without `/`, `#`, spaces or control characters is safe in all of
 * them.
 */
import { quoteForMessage } from '../util/terminal-text.js';

/** Letters, digits and `. _ @ + -`, starting with a letter or digit. */
export const USER_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._@+-]*$';

/** The longest user id, in characters. */
export const MAX_USER_ID_LENGTH = 128;

const USER_ID_RE = new RegExp(USER_ID_PATTERN);

/**
 * Why `id` is not a user id, or `undefined` when it is one. The text never quotes the id, so a
 * caller may show it next to an argument that might be a secret.
 */
export function userIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return `must be a string, not ${id === null ? 'null' : typeof id}`;
  if (id === '') return 'must not be empty';
  if (id.length > MAX_USER_ID_LENGTH) {
    return `is ${id.length} characters long; a user id has at most ${MAX_USER_ID_LENGTH}`;
  }
  if (!USER_ID_RE.test(id)) {
    return 'may hold only letters, digits and . _ @ + - (starting with a letter or digit)';
  }
  return undefined;
}

/** Is `id` a user id by the rule? */
export function isValidUserId(id: unknown): id is string {
  return userIdProblem(id) === undefined;
}

/** An id for a message: quoted, escaped for a terminal, cut short. */
export function showUserId(id: string): string {
  return quoteForMessage(id, 40);
}
