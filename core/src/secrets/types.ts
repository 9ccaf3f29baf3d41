/** Where secrets live. Layout (DESIGN.md "Secrets"): per namespace, shared names and per-user names. */
export interface SecretStore {
  /** Adapter name, for messages (`file`, `env`, `ssm`). */
  readonly name: string;
  /** A user secret when `userId` is given, else a shared one; `undefined` when not set. */
  get(namespace: string, name: string, userId?: string): Promise<string | undefined>;
  /** Create or overwrite a secret. */
  set(namespace: string, name: string, value: string, userId?: string): Promise<void>;
  /** Ids of users that have at least one user secret in the namespace. */
  listUsers(namespace: string): Promise<string[]>;
}
