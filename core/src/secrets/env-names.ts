/**
 * How the env secret store names its variables, and which user ids would share one: what config
 * validation checks (`envUserCollisions`) without loading the store itself.
 */

/** Every variable of the env store starts with this. */
export const ENV_SECRET_PREFIX = 'LIFE_STATS_SECRET__';

/** Between the parts of a variable's name. */
export const SEPARATOR = '__';

/**
 * The variable that holds a secret: `LIFE_STATS_SECRET__<NAMESPACE>__<NAME>` for a shared secret,
 * `LIFE_STATS_SECRET__<NAMESPACE>__<USER>__<NAME>` for a user's. Each part is upper-cased and every
 * character other than a letter or a digit (`-` above all) becomes `_`.
 *
 * @example envSecretName('google-fit', 'token', 'my-user') // 'LIFE_STATS_SECRET__GOOGLE_FIT__MY_USER__TOKEN'
 */
export function envSecretName(namespace: string, name: string, userId?: string): string {
  const parts = userId === undefined ? [namespace, name] : [namespace, userId, name];
  return ENV_SECRET_PREFIX + parts.map(envSegment).join(SEPARATOR);
}

/** A part of a variable's name: upper-cased, every character but a letter or digit as `_`. */
export function envSegment(part: string): string {
  return part.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** Two user ids that the env store cannot tell apart, and the variable segment they share. */
export interface EnvUserCollision {
  first: string;
  second: string;
  /** The `<USER>` part of the variables both would read. */
  segment: string;
}

/**
 * Pairs of `ids` that read the same environment variables (`alice-x` and `Alice.X` both read
 * `…__ALICE_X__…`), each pair once, in the order the ids come.
 */
export function envUserCollisions(ids: readonly string[]): EnvUserCollision[] {
  const firstBySegment = new Map<string, string>();
  const collisions: EnvUserCollision[] = [];
  for (const id of ids) {
    const segment = envSegment(id);
    const first = firstBySegment.get(segment);
    if (first === undefined) firstBySegment.set(segment, id);
    else if (first !== id) collisions.push({ first, second: id, segment });
  }
  return collisions;
}
