import { SecretAccessError } from '../errors.js';
import { createSinkLogger, type LogRecord } from '../log/logger.js';
import { createRedactor } from '../log/redact.js';
import { createOAuthSession } from '../oauth/session.js';
import { oauthDeclaredSecrets } from '../oauth/settings.js';
import { resolveEntryMetric } from '../plugins/data-types.js';
import type {
  DateWindow,
  NormalizedPlugin,
  PluginContext,
  PluginDefinition,
  PluginSecrets,
  PluginUser,
} from '../plugins/types.js';

/** The window a test context gets unless told otherwise: eight fixed days, so tests are reproducible. */
export const DEFAULT_TEST_WINDOW: Readonly<DateWindow> = Object.freeze({ start: '2026-11-18', end: '2026-11-25' });

/** The user a test context gets unless told otherwise. */
export const DEFAULT_TEST_USER: Readonly<PluginUser> = Object.freeze({ id: 'test-user', timezone: 'UTC' });

export interface TestContextOptions<Config = Record<string, unknown>> {
  /**
   * The plugin under test. When given, `ctx.secrets` allows exactly the names it declares (like
   * core does) and the logger carries its id. Without it, every name in `secrets` may be read.
   */
  plugin?: PluginDefinition<Config> | NormalizedPlugin<Config>;
  /** @default `{ id: 'test-user', timezone: 'UTC' }` (a partial user is merged into it) */
  user?: Partial<PluginUser>;
  /** @default {@link DEFAULT_TEST_WINDOW} */
  window?: DateWindow;
  /** The validated config the plugin sees. @default `{}` */
  config?: Config;
  /** Secret values by name (user and shared names alike; core resolves the user's value first). */
  secrets?: Record<string, string>;
  /** @default a signal that never aborts */
  signal?: AbortSignal;
  /** @default the metric of `config.dataType` for a multi-type plugin, else the plugin's `metric.type`, else `'test'` */
  metric?: string;
  /**
   * What `ctx.secrets.where(name)` answers.
   * @default the SSM layout under the default prefix: `SSM parameter /life-stats/<namespace>[/<user>]/<name>`
   */
  secretLocation?: (name: string, userId: string | undefined) => string;
}

/** One `ctx.secrets.set` call. */
export interface SecretWrite {
  name: string;
  value: string;
}

/** A context for calling a plugin directly, and what the plugin did with it. */
export interface TestContext<Config = Record<string, unknown>> {
  ctx: PluginContext<Config>;
  /** Every line the plugin logged, at every level, in order. */
  logs: LogRecord[];
  /** Every successful `ctx.secrets.set`, in order. */
  secretWrites: SecretWrite[];
  /**
   * Every secret name the plugin asked for but may not read. Kept even when the plugin swallows
   * the error it got, so a test can assert that nothing was tried.
   */
  deniedSecrets: string[];
}

function createTestSecrets(
  plugin: TestContextOptions['plugin'],
  initial: Record<string, string>,
  writes: SecretWrite[],
  denied: string[],
  location: (name: string, isUser: boolean) => string,
): PluginSecrets {
  const values = new Map(Object.entries(initial));
  // An OAuth plugin's client and refresh token are declared by its `oauth` field, as in core.
  const fromOAuth = oauthDeclaredSecrets(plugin?.oauth as Parameters<typeof oauthDeclaredSecrets>[0]);
  const user = new Set([...(plugin?.secrets?.user ?? []), ...fromOAuth.user]);
  const shared = new Set([...(plugin?.secrets?.shared ?? []), ...fromOAuth.shared]);
  const id = plugin?.id ?? 'test';
  const list = (names: Set<string>) => (names.size === 0 ? 'none' : [...names].join(', '));
  // Same wording as core's scoped secrets, so a test sees the message a real run would print.
  const declared = `declared user secrets: ${list(user)}; shared secrets: ${list(shared)}`;
  return {
    get(name) {
      if (plugin && !user.has(name) && !shared.has(name)) {
        denied.push(name);
        throw new SecretAccessError(id, name, `it is not declared in the plugin's manifest (${declared}).`);
      }
      return values.get(name);
    },
    where(name) {
      if (plugin && !user.has(name) && !shared.has(name)) {
        denied.push(name);
        throw new SecretAccessError(id, name, `it is not declared in the plugin's manifest (${declared}).`);
      }
      return location(name, !plugin || user.has(name));
    },
    async set(name, value) {
      // Only user secrets are writable through ctx: shared ones belong to the deployment.
      if (plugin && !user.has(name)) {
        denied.push(name);
        const why = shared.has(name)
          ? 'it is a shared secret, and a plugin may only set its user secrets'
          : 'it is not declared in the plugin manifest';
        throw new SecretAccessError(id, name, `cannot set it: ${why} (${declared}).`);
      }
      if (typeof value !== 'string') throw new TypeError(`ctx.secrets.set("${name}"): value must be a string`);
      writes.push({ name, value });
      values.set(name, value);
    },
  };
}

/**
 * A {@link PluginContext} for plugin tests: a user, a window, config, secrets that deny undeclared
 * names, a logger that captures every line, and a signal.
 *
 * ```ts
 * const { ctx, logs } = createTestContext({ plugin, config: { baseUrl: server.url } });
 * const observations = await plugin.fetch(ctx);
 * ```
 */
export function createTestContext<Config = Record<string, unknown>>(
  options: TestContextOptions<Config> = {},
): TestContext<Config> {
  const logs: LogRecord[] = [];
  const secretWrites: SecretWrite[] = [];
  const deniedSecrets: string[] = [];
  const user: PluginUser = { ...DEFAULT_TEST_USER, ...options.user };
  const { plugin } = options;
  const log = createSinkLogger((record) => logs.push(record), {
    level: 'debug',
    fields: { plugin: plugin?.id ?? 'test', user: user.id },
  });
  const namespace = plugin?.secrets?.namespace ?? plugin?.id ?? 'test';
  const location =
    options.secretLocation ??
    ((name: string, userId: string | undefined) =>
      `SSM parameter /life-stats/${namespace}${userId === undefined ? '' : `/${userId}`}/${name}`);
  const secrets = createTestSecrets(
    plugin as TestContextOptions['plugin'],
    options.secrets ?? {},
    secretWrites,
    deniedSecrets,
    (name, isUser) => location(name, isUser ? user.id : undefined),
  );
  const signal = options.signal ?? new AbortController().signal;
  const config = options.config ?? ({} as Config);
  const ctx: PluginContext<Config> = {
    user,
    window: { ...(options.window ?? DEFAULT_TEST_WINDOW) },
    config,
    secrets,
    log,
    signal,
    // The same ctx.oauth a run gets: real refreshes against the author's fake provider.
    ...(plugin?.oauth
      ? {
          oauth: createOAuthSession({
            plugin: plugin as Parameters<typeof createOAuthSession>[0]['plugin'],
            config: config as Record<string, unknown>,
            userId: user.id,
            secrets,
            signal,
            log,
            redactor: createRedactor(),
          }),
        }
      : {}),
    metric:
      options.metric ??
      (plugin?.metric ? resolveEntryMetric(plugin, (options.config ?? {}) as Record<string, unknown>).metric : 'test'),
  };
  return { ctx, logs, secretWrites, deniedSecrets };
}
