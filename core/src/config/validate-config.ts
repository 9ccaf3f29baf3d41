import type { ErrorObject } from 'ajv';
import type { ConfigProblem } from '../errors.js';
import { envUserCollisions } from '../secrets/env-names.js';
import { tableNameProblems } from '../storage/dynamodb-table-name.js';
import { isValidTimeZone } from '../util/dates.js';
import { isRecord } from '../util/is-record.js';
import { ajvErrorsToProblems } from './ajv-problems.js';
import { validate as validateGenerated } from './config-validator.generated.js';
import { validateSchedule } from './schedule.js';
import type { ValidatedConfigFile } from './schema.js';
import { showUserId } from './user-id.js';

export interface ConfigFileValidation {
  /**
   * A copy of the input with the schema's defaults applied. It has the shape of
   * {@link ValidatedConfigFile} only when `problems` is empty; otherwise read it defensively.
   */
  value: unknown;
  problems: ConfigProblem[];
}

/** The config schema's validator, precompiled (ajv standalone code written by core/scripts). */
const configValidator = validateGenerated as unknown as {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
};

/**
 * Validate a raw config file (after environment overrides) on its own, without its plugins: the
 * JSON Schema, then what a schema cannot say — IANA time zones, unique user ids, schedule
 * expressions, DynamoDB table names. Every problem is returned; the input is not modified.
 */
export function validateConfigFile(raw: unknown): ConfigFileValidation {
  const value = cloneJson(raw);
  const problems = configValidator(value) ? [] : ajvErrorsToProblems(configValidator.errors, value);
  problems.push(...semanticProblems(value));
  return { value, problems };
}

/** Typed view of a validated value; only call it when validation found no problems. */
export function asValidated(value: unknown): ValidatedConfigFile {
  return value as ValidatedConfigFile;
}

function semanticProblems(value: unknown): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!isRecord(value)) return problems;
  checkTimeZone(problems, 'timezone', value.timezone);

  const users = Array.isArray(value.users) ? value.users : [];
  const firstIndexOfId = new Map<string, number>();
  users.forEach((user: unknown, i) => {
    if (!isRecord(user)) return;
    checkTimeZone(problems, `users[${i}].timezone`, user.timezone);
    if (typeof user.id !== 'string') return;
    const first = firstIndexOfId.get(user.id);
    if (first === undefined) firstIndexOfId.set(user.id, i);
    else
      problems.push({ path: `users[${i}].id`, message: `${showUserId(user.id)} is already used by users[${first}]` });
  });
  if (isRecord(value.secrets) && value.secrets.type === 'env') problems.push(...envUserProblems([...firstIndexOfId]));

  problems.push(...tableNameProblems(value.storage));

  const plugins = Array.isArray(value.plugins) ? value.plugins : [];
  plugins.forEach((entry: unknown, i) => {
    if (!isRecord(entry) || typeof entry.schedule !== 'string') return;
    const problem = validateSchedule(entry.schedule);
    if (problem) problems.push({ path: `plugins[${i}].schedule`, message: problem });
  });
  return problems;
}

/** Config users the env secret store cannot tell apart (`alice-x`, `Alice.X`): each would read the other's secrets. */
function envUserProblems(users: readonly [string, number][]): ConfigProblem[] {
  const index = new Map(users);
  return envUserCollisions(users.map(([id]) => id)).map(({ first, second, segment }) => ({
    path: `users[${index.get(second)}].id`,
    message:
      `${showUserId(second)} and users[${index.get(first)}].id ${showUserId(first)} would read the same environment ` +
      `variables (LIFE_STATS_SECRET__<NAMESPACE>__${segment}__<NAME>): the env secret store keeps neither case nor ` +
      'punctuation. Rename one of them, or use the file or SSM secret store',
  }));
}

function checkTimeZone(problems: ConfigProblem[], path: string, zone: unknown): void {
  // A non-string is already reported by the schema.
  if (typeof zone === 'string' && zone !== '' && !isValidTimeZone(zone)) {
    problems.push({ path, message: `"${zone}" is not an IANA time zone (e.g. "Europe/Berlin", "UTC")` });
  }
}

/**
 * Copy plain objects and arrays, keep everything else by reference: validation fills in defaults,
 * and a JS config may hold values `structuredClone` refuses (functions).
 */
export function cloneJson<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => cloneJson(item)) as T;
  if (isRecord(value) && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneJson(v)])) as T;
  }
  return value;
}
