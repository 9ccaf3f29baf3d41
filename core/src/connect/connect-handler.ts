import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import {
  createStaticConfigLoader,
  type StaticConfig,
  type StaticConfigLoaderOptions,
} from '../config/static-config.js';
import type { LoadedConfig } from '../config/types.js';
import { formatError } from '../errors.js';
import { adaptPowertoolsLogger, createPowertoolsLogger } from '../lambda/logger.js';
import type { Logger } from '../log/logger.js';
import { createRedactingLogger, createRedactor } from '../log/redact.js';
import { openSecrets } from '../run/open-stores.js';
import type { SecretStore } from '../secrets/types.js';
import { answers } from './answers.js';
import { handleCallback } from './callback.js';
import type { ConnectContext } from './context.js';
import type { FunctionUrlEvent, FunctionUrlResult } from './function-url.js';
import { type ConnectLedger, openConnectLedger } from './ledger.js';
import { readSigningKey } from './signing-key.js';
import { handleStart } from './start.js';

export type { FunctionUrlEvent, FunctionUrlResult } from './function-url.js';

/** `connect(event)`: a Lambda function URL handler (payload 2.0). */
export type ConnectHandler = (event: FunctionUrlEvent, context?: unknown) => Promise<FunctionUrlResult>;

/** Options of {@link createConnectHandler}. */
export interface ConnectHandlerOptions {
  /**
   * Loads the config, once per container.
   * @default `loadConfig()`: `LIFE_STATS_CONFIG`, else a search from the working directory
   */
  loadConfig?: () => Promise<LoadedConfig>;
  /** The clock, epoch ms (tests move it). @default Date.now */
  now?: () => number;
  /**
   * How long a container reuses the signing key it read: a rotation reaches warm containers within
   * this time, and a flood of forged links cannot turn into as many secret-store reads.
   * @default 5000
   */
  keyCacheMs?: number;
  /** How long the code exchange at the provider's token endpoint may take. @default 20000 */
  exchangeTimeoutMs?: number;
}

/** Options of {@link createStaticConnectHandler}. */
export interface StaticConnectHandlerOptions
  extends StaticConfigLoaderOptions,
    Omit<ConnectHandlerOptions, 'loadConfig'> {}

interface Container {
  config: LoadedConfig;
  secrets: SecretStore;
  ledger: ConnectLedger;
}

/**
 * Make the connect function (DESIGN.md "Connect links"): `GET /start?t=…` and `GET /callback`, under
 * `connect.baseUrl`'s path or at the root (the bare function URL). The config, the secret store and
 * the single-use record are opened on the first request and reused by later ones of the container;
 * nothing of a consent in flight is kept in memory (the browser carries it, sealed). The event is
 * never logged: its query holds the link token and the code.
 */
export function createConnectHandler(options: ConnectHandlerOptions = {}): ConnectHandler {
  return buildConnectHandler(options.loadConfig ?? loadConfigFile, options);
}

/** {@link createConnectHandler} on a config settled at build time (the bundle the infra builds). */
export function createStaticConnectHandler(config: StaticConfig, options: StaticConnectHandlerOptions): ConnectHandler {
  return buildConnectHandler(createStaticConfigLoader(config, options), options);
}

async function loadConfigFile(): Promise<LoadedConfig> {
  return (await import('../config/load-config.js')).loadConfig();
}

function buildConnectHandler(load: () => Promise<LoadedConfig>, options: ConnectHandlerOptions): ConnectHandler {
  const now = options.now ?? Date.now;
  const keyCacheMs = options.keyCacheMs ?? 5000;
  let container: Promise<Container> | undefined;
  let powertools: PowertoolsLogger | undefined;
  let key: { value: Promise<string | undefined>; until: number } | undefined;

  const start = (): Promise<Container> => {
    container ??= (async () => {
      const config = await load();
      const [secrets, ledger] = await Promise.all([openSecrets(config.secrets), openConnectLedger(config.storage)]);
      return { config, secrets, ledger };
    })().catch((error: unknown) => {
      container = undefined;
      throw error;
    });
    return container;
  };

  const signingKey = (secrets: SecretStore): Promise<string | undefined> => {
    if (!key || key.until <= now()) {
      const value = readSigningKey(secrets);
      key = { value, until: now() + keyCacheMs };
      value.catch(() => {
        if (key?.value === value) key = undefined;
      });
    }
    return key.value;
  };

  return async function connect(event, context) {
    powertools ??= createPowertoolsLogger();
    if (context && typeof context === 'object') {
      powertools.addContext(context as Parameters<PowertoolsLogger['addContext']>[0]);
    }
    const redactor = createRedactor();
    const log: Logger = createRedactingLogger(adaptPowertoolsLogger(powertools, { handler: 'connect' }), redactor);
    const method = event?.requestContext?.http?.method ?? '';
    const query = new URLSearchParams(event?.rawQueryString ?? '');
    try {
      const stores = await start();
      const baseUrl = stores.config.connect?.baseUrl;
      const route = baseUrl ? routeOf(event?.rawPath ?? '', new URL(baseUrl).pathname) : undefined;
      if (!baseUrl) {
        log.error('connect.baseUrl is not set in the config, so no link can be checked', {
          hint: "Set it to the stack's ConnectUrl output and deploy again.",
        });
        return answers.notReady();
      }
      if (!route) return answers.notFound();
      if (method !== 'GET') return answers.methodNotAllowed();
      const ctx: ConnectContext = {
        ...stores,
        baseUrl,
        signingKey: () => signingKey(stores.secrets),
        now,
        log,
        redactor,
        exchangeTimeoutMs: options.exchangeTimeoutMs ?? 20_000,
      };
      return route === 'start' ? await handleStart(ctx, query) : await handleCallback(ctx, event, query);
    } catch (error) {
      log.error(`the connect function failed: ${redactor.redact(formatError(error))}`, {
        code: (error as { code?: unknown })?.code,
      });
      return answers.failed();
    }
  };
}

/** `start` or `callback`, at the root (the function URL itself) or under the base URL's path. */
function routeOf(rawPath: string, basePath: string): 'start' | 'callback' | undefined {
  for (const route of ['start', 'callback'] as const) {
    if (rawPath === `/${route}` || rawPath === `${basePath}${route}`) return route;
  }
  return undefined;
}

/**
 * The connect function of `@life-stats/core/lambda` for a deployment that loads its config from a
 * file; a bundle uses {@link createStaticConnectHandler}.
 */
// Pure: a bundle that uses only createStaticConnectHandler drops it, and the file loader with it.
export const connect: ConnectHandler = /* @__PURE__ */ createConnectHandler();
