/** Where secrets live. Layout (DESIGN.md "Secrets"): per namespace, shared names and per-user names. */
export interface SecretStore {
  /** Adapter name, for messages (`file`, `env`, `ssm`). */
  readonly name: string;
  /** A user secret when `userId` is given, else a shared one; `undefined` when not set. */
  get(namespace: string, name: string, userId?: string): Promise<string | undefined>;
  /**
   * Like `get`, past any cache of this store: another process may have written the secret since
   * (a refresh token a concurrent run rotated). A store without a cache may leave it out; callers
   * fall back to `get`.
   */
  reread?(namespace: string, name: string, userId?: string): Promise<string | undefined>;
  /** Create or overwrite a secret. */
  set(namespace: string, name: string, value: string, userId?: string): Promise<void>;
  /**
   * Create a secret only if it does not exist, atomically against other processes; resolves to the
   * value stored afterwards (`value`, or the one that was already there). For secrets two processes
   * may create at once (the connect signing key). A store that cannot do it leaves it out; callers
   * fall back to reading, then `set`.
   */
  setIfAbsent?(namespace: string, name: string, value: string, userId?: string): Promise<string>;
  /** Ids of users that have at least one user secret in the namespace. */
  listUsers(namespace: string): Promise<string[]>;
  /**
   * The users of `listUsers`, page by page as the store reads them, reading no secret's value: the
   * fan-out planner lists 100,000 users without holding them at once or decrypting a token. An id
   * may come on more than one page. A store that reads everything at once leaves it out; callers
   * fall back to `listUsers`.
   */
  pageUsers?(namespace: string): AsyncIterable<string[]>;
  /**
   * Whether `listUsers` would list this user, asked of that user alone (one request to SSM instead
   * of a listing of every user), reading no value. A store without it leaves it out; callers fall
   * back to `listUsers`.
   */
  hasUser?(namespace: string, userId: string): Promise<boolean>;
  /**
   * Where a secret lives, for messages — never its value: `SSM parameter /life-stats/google-fit/me/token`,
   * `/home/me/.life-stats/secrets.json at google-fit.users.me.token`,
   * `env LIFE_STATS_SECRET__GOOGLE_FIT__ME__TOKEN`. Throws for a name the store cannot hold.
   */
  where(namespace: string, name: string, userId?: string): string;
  /**
   * For a store that cannot tell some user ids apart (the env store: variable names keep neither
   * case nor punctuation), the key that ids reading the same secrets share. Absent when every id
   * is its own key.
   */
  userKey?(userId: string): string;
}
