import { SecretsError } from '../errors.js';

/**
 * The layout of the secrets file (DESIGN.md "Secrets"), parsed and written:
 * `{ "<namespace>": { "<name>": "…", "users": { "<user>": { "<name>": "…" } } } }`.
 * Nothing here touches the disk.
 */

export const FILE_PREFIX = '[life-stats] [secrets:file]';
/** The key under a namespace that holds per-user secrets; it cannot name a shared secret. */
export const USERS_KEY = 'users';
const LAYOUT = '{ "<namespace>": { "<name>": "…", "users": { "<user>": { "<name>": "…" } } } }';
const RESET_HINT = 'Fix the file by hand, or delete it and store the secrets again with `life-stats secrets set`.';
/** Report at most this many layout problems; the rest are counted. */
const MAX_PROBLEMS = 10;

interface NamespaceSecrets {
  shared: Map<string, string>;
  users: Map<string, Map<string, string>>;
}

/** Parsed file. Maps rather than objects, so names like `__proto__` are plain keys. */
export type SecretsData = Map<string, NamespaceSecrets>;

/** Set one secret in parsed data (the caller writes it out). */
export function putSecret(data: SecretsData, namespace: string, name: string, value: string, userId?: string): void {
  let entry = data.get(namespace);
  if (!entry) {
    entry = { shared: new Map(), users: new Map() };
    data.set(namespace, entry);
  }
  if (userId === undefined) {
    entry.shared.set(name, value);
    return;
  }
  let user = entry.users.get(userId);
  if (!user) {
    user = new Map();
    entry.users.set(userId, user);
  }
  user.set(name, value);
}

/**
 * Parse the file's text. Every layout problem is reported at once with its path inside the file;
 * no value is ever quoted (not even by the JSON parser's message).
 *
 * @throws {SecretsError} for text that is not JSON or not in the layout.
 */
export function parseSecrets(path: string, text: string): SecretsData {
  // An empty file (e.g. made with `touch` + `chmod 600` before the first `set`) is an empty store.
  if (text.trim() === '') return new Map();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // V8's message may quote the text around the error, i.e. a secret: keep only the position, and
    // do not attach the SyntaxError as `cause` either.
    throw new SecretsError(`${FILE_PREFIX} ${path} is not valid JSON${syntaxErrorLocation(text, error)}.`, {
      hint: RESET_HINT,
    });
  }

  const problems: string[] = [];
  const data: SecretsData = new Map();
  if (!isPlainObject(raw)) {
    problems.push(`the file must hold a JSON object (found ${typeOf(raw)})`);
  } else {
    for (const [namespace, nsValue] of Object.entries(raw)) {
      if (!isPlainObject(nsValue)) {
        problems.push(`${jsonPath([namespace])}: must be an object (found ${typeOf(nsValue)})`);
        continue;
      }
      const entry: NamespaceSecrets = { shared: new Map(), users: new Map() };
      data.set(namespace, entry);
      for (const [name, value] of Object.entries(nsValue)) {
        if (name !== USERS_KEY) {
          if (typeof value === 'string') entry.shared.set(name, value);
          else problems.push(`${jsonPath([namespace, name])}: must be a string (found ${typeOf(value)})`);
          continue;
        }
        if (!isPlainObject(value)) {
          problems.push(`${jsonPath([namespace, USERS_KEY])}: must be an object of users (found ${typeOf(value)})`);
          continue;
        }
        parseUsers(namespace, value, entry, problems);
      }
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS).map((p) => `  - ${p}`);
    if (problems.length > MAX_PROBLEMS) shown.push(`  - … and ${problems.length - MAX_PROBLEMS} more`);
    throw new SecretsError(`${FILE_PREFIX} ${path} does not have the expected layout ${LAYOUT}:\n${shown.join('\n')}`, {
      hint: RESET_HINT,
    });
  }
  return data;
}

function parseUsers(
  namespace: string,
  users: Record<string, unknown>,
  entry: NamespaceSecrets,
  problems: string[],
): void {
  for (const [userId, userValue] of Object.entries(users)) {
    if (!isPlainObject(userValue)) {
      problems.push(`${jsonPath([namespace, USERS_KEY, userId])}: must be an object (found ${typeOf(userValue)})`);
      continue;
    }
    const user = new Map<string, string>();
    entry.users.set(userId, user);
    for (const [name, secret] of Object.entries(userValue)) {
      if (typeof secret === 'string') user.set(name, secret);
      else
        problems.push(`${jsonPath([namespace, USERS_KEY, userId, name])}: must be a string (found ${typeOf(secret)})`);
    }
  }
}

/** The file's text for `data`: pretty JSON with a final newline. */
export function serializeSecrets(data: SecretsData): string {
  // Object.fromEntries defines own properties, so a key such as `__proto__` survives as data.
  const root = Object.fromEntries(
    [...data].map(([namespace, entry]) => {
      const users = [...entry.users].map(([userId, secrets]) => [userId, Object.fromEntries(secrets)] as const);
      const fields: [string, unknown][] = [...entry.shared];
      if (users.length > 0) fields.push([USERS_KEY, Object.fromEntries(users)]);
      return [namespace, Object.fromEntries(fields)] as const;
    }),
  );
  return `${JSON.stringify(root, null, 2)}\n`;
}

/** Where a secret sits inside the file: `google-fit.users.me.token`. */
export function secretPath(namespace: string, name: string, userId?: string): string {
  return jsonPath(userId === undefined ? [namespace, name] : [namespace, USERS_KEY, userId, name]);
}

/** ` at line 3, column 14` when the parser said where, else nothing. */
function syntaxErrorLocation(text: string, error: unknown): string {
  const match = /position (\d+)/.exec(error instanceof Error ? error.message : '');
  if (!match?.[1]) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}

/** `google-fit.users.me.token`, with brackets for keys that are not plain identifiers. */
function jsonPath(keys: readonly string[]): string {
  return keys
    .map((key, i) => (/^[A-Za-z_$][\w$-]*$/.test(key) ? `${i === 0 ? '' : '.'}${key}` : `[${JSON.stringify(key)}]`))
    .join('');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
