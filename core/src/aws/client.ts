/**
 * The AWS adapters' one way to get an SDK client (powertools' `BaseProvider` is the model): the SDK
 * package is imported on first use, so a process that never talks to AWS never loads it; an adapter
 * takes a ready client or options for its own; without either, one client configured from the
 * environment is shared by every adapter of a process, so a warm Lambda container reuses its
 * connections. Adding a client (SQS, …) is one {@link defineAwsSdk} call and one
 * {@link createAwsClient} per adapter.
 */

import type { LifeStatsError, LifeStatsErrorOptions } from '../errors.js';

/** What every AWS SDK v3 client has. */
export interface AwsSdkClient {
  destroy(): void;
}

/** Options every AWS adapter accepts for its client. */
export interface AwsClientOptions<Client, Config> {
  /** A ready client. It is shared, not owned: the adapter's `close()` leaves it open. */
  client?: Client;
  /**
   * Options for a client of the adapter's own, created on first use and destroyed by its `close()`.
   * Without `client` and `clientConfig`, one client configured from the environment (`AWS_REGION`,
   * `AWS_ENDPOINT_URL_<SERVICE>`, the credential chain) is created per process and shared.
   */
  clientConfig?: Config;
}

/** How to load one SDK package and make its client. */
export interface AwsSdkDefinition<Sdk, Client, Config> {
  /** The npm package, for messages: `@aws-sdk/client-dynamodb`. */
  packageName: string;
  /**
   * Import it: a literal `import('@aws-sdk/client-…')`, so a bundler sees the package and keeps it
   * behind this call.
   */
  importSdk: () => Promise<unknown>;
  /** The package's client class (`DynamoDBClient`): how its module is told from a CommonJS `default`. */
  clientClass: keyof Sdk & string;
  createClient: (sdk: Sdk, config: Config) => Client;
}

/** One SDK package, loaded at most once per process. */
export interface AwsSdk<Sdk, Client, Config> {
  readonly packageName: string;
  /** The SDK module; a failed import is forgotten, so a later call tries again. */
  load(): Promise<Sdk>;
  createClient(sdk: Sdk, config: Config): Client;
  /** The per-process client configured from the environment. */
  sharedClient(sdk: Sdk): Client;
}

/** Describe an SDK package for {@link createAwsClient}. Call it once, at module scope. */
export function defineAwsSdk<Sdk, Client, Config>(
  definition: AwsSdkDefinition<Sdk, Client, Config>,
): AwsSdk<Sdk, Client, Config> {
  // Module scope on purpose: one SDK load and one environment-configured client per process (per
  // Lambda container), whatever the number of adapters opened.
  let module: Promise<Sdk> | undefined;
  let shared: Client | undefined;
  return {
    packageName: definition.packageName,
    load() {
      module ??= definition.importSdk().then(
        (loaded) => namedExports(loaded as Sdk | { default: Sdk }, definition.clientClass),
        (error: unknown) => {
          module = undefined;
          throw error;
        },
      );
      return module;
    },
    createClient: definition.createClient,
    sharedClient(sdk) {
      shared ??= definition.createClient(sdk, {} as Config);
      return shared;
    },
  };
}

/**
 * The SDK is CommonJS: Node's `import()` exposes its named exports, but a bundle (esbuild, as the
 * infra builds the Lambda) may hand back only `default` = `module.exports`.
 */
function namedExports<Sdk>(loaded: Sdk | { default: Sdk }, clientClass: string): Sdk {
  return typeof loaded === 'object' && loaded !== null && clientClass in loaded
    ? (loaded as Sdk)
    : (loaded as { default: Sdk }).default;
}

/** An adapter's client: loaded and created on first use. */
export interface AwsClient<Sdk, Client> {
  /** The SDK module and the client. */
  get(): Promise<{ sdk: Sdk; client: Client }>;
  /** Destroy the client this adapter created; a given or shared client stays open. */
  destroy(): void;
}

/** Who an adapter is, for its errors. */
export interface AwsAdapter {
  /** The message prefix naming it: `[life-stats] [storage:dynamodb]`. */
  source: string;
  /** Its concern's error class: `(message, options) => new StorageError(message, options)`. */
  toError: (message: string, options: LifeStatsErrorOptions) => LifeStatsError;
}

/**
 * The client of one adapter, from its options. A failed SDK import becomes the adapter's own error,
 * naming the package and how to install it.
 */
export function createAwsClient<Sdk, Client extends AwsSdkClient, Config>(
  sdk: AwsSdk<Sdk, Client, Config>,
  options: AwsClientOptions<Client, Config>,
  adapter: AwsAdapter,
): AwsClient<Sdk, Client> {
  let own: Client | undefined;
  return {
    async get() {
      let module: Sdk;
      try {
        module = await sdk.load();
      } catch (error) {
        throw adapter.toError(
          `${adapter.source} cannot load ${sdk.packageName}: ${(error as Error)?.message ?? error}`,
          {
            hint: `Install it next to @life-stats/core: npm install ${sdk.packageName}`,
            cause: error,
          },
        );
      }
      if (options.client) return { sdk: module, client: options.client };
      if (options.clientConfig) {
        own ??= sdk.createClient(module, options.clientConfig);
        return { sdk: module, client: own };
      }
      return { sdk: module, client: sdk.sharedClient(module) };
    },
    destroy() {
      own?.destroy();
      own = undefined;
    },
  };
}
