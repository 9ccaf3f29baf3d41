/**
 * The AWS adapter base: the SDK is imported once and on first use, a given client is used and never
 * closed, an own client is created once and destroyed, and without either every adapter shares one
 * environment-configured client. Checked with the real EventBridge SDK against a fake speaking its
 * wire protocol.
 */
import { EventBridgeClient, type EventBridgeClientConfig, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type EventBridgeFake, startEventBridgeFake } from '@life-stats/testing/eventbridge-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClient, defineAwsSdk } from '../../src/aws/client.js';
import { formatError, StorageError } from '../../src/errors.js';

type Sdk = typeof import('@aws-sdk/client-eventbridge');

let fake: EventBridgeFake;
beforeAll(async () => {
  fake = await startEventBridgeFake();
});
afterAll(async () => {
  await fake?.stop();
});

const adapter = { source: '[life-stats] [test:events]', toError: (m: string, o: object) => new StorageError(m, o) };

/** A fresh SDK definition counting its imports (as each adapter module defines its own once). */
function countingSdk(importSdk: () => Promise<unknown> = () => import('@aws-sdk/client-eventbridge')) {
  const counts = { imports: 0, created: 0 };
  const sdk = defineAwsSdk<Sdk, EventBridgeClient, EventBridgeClientConfig>({
    packageName: '@aws-sdk/client-eventbridge',
    importSdk: () => {
      counts.imports++;
      return importSdk();
    },
    clientClass: 'EventBridgeClient',
    createClient: (module, config) => {
      counts.created++;
      return new module.EventBridgeClient(config);
    },
  });
  return { sdk, counts };
}

async function put(client: EventBridgeClient, sdk: Sdk): Promise<number> {
  const before = fake.requests;
  await client.send(new sdk.PutEventsCommand({ Entries: [{ Source: 'test', DetailType: 't', Detail: '{}' }] }));
  return fake.requests - before;
}

describe('AWS client base', () => {
  it('loads nothing until first use, then imports the SDK once for every adapter', async () => {
    const { sdk, counts } = countingSdk();
    const a = createAwsClient(sdk, { clientConfig: fake.clientConfig }, adapter);
    const b = createAwsClient(sdk, { clientConfig: fake.clientConfig }, adapter);
    expect(counts.imports).toBe(0);
    const [first, second] = await Promise.all([a.get(), b.get()]);
    await a.get();
    expect(counts.imports).toBe(1);
    expect(await put(first.client, first.sdk)).toBe(1);
    // Each adapter with clientConfig has a client of its own, created once.
    expect(first.client).not.toBe(second.client);
    expect((await a.get()).client).toBe(first.client);
    expect(counts.created).toBe(2);
    a.destroy();
    b.destroy();
  });

  it('uses a given client and never destroys it', async () => {
    const { sdk } = countingSdk();
    const given = new EventBridgeClient(fake.clientConfig);
    const aws = createAwsClient(sdk, { client: given, clientConfig: { region: 'never-used' } }, adapter);
    const { client, sdk: module } = await aws.get();
    expect(client).toBe(given);
    aws.destroy();
    // Still open: a request goes through after the adapter let go of it.
    expect(await put(given, module)).toBe(1);
    given.destroy();
  });

  it('destroys its own client on destroy() and creates a new one if used again', async () => {
    const { sdk, counts } = countingSdk();
    const aws = createAwsClient(sdk, { clientConfig: fake.clientConfig }, adapter);
    const first = (await aws.get()).client;
    aws.destroy();
    const second = (await aws.get()).client;
    expect(second).not.toBe(first);
    expect(counts.created).toBe(2);
    aws.destroy();
  });

  it('without client or clientConfig, every adapter shares one client configured from the environment', async () => {
    const { sdk, counts } = countingSdk();
    const a = await createAwsClient(sdk, {}, adapter).get();
    const b = await createAwsClient(sdk, {}, adapter).get();
    expect(a.client).toBe(b.client);
    expect(counts.created).toBe(1);
    // destroy() of an adapter leaves the shared client alone.
    createAwsClient(sdk, {}, adapter).destroy();
    expect((await createAwsClient(sdk, {}, adapter).get()).client).toBe(a.client);
  });

  it('accepts a bundle that exposes the CommonJS SDK only as `default`', async () => {
    const real = await import('@aws-sdk/client-eventbridge');
    const { sdk } = countingSdk(async () => ({ default: real }));
    const aws = createAwsClient(sdk, { clientConfig: fake.clientConfig }, adapter);
    const { sdk: module, client } = await aws.get();
    expect(module.PutEventsCommand).toBe(PutEventsCommand);
    expect(await put(client, module)).toBe(1);
    aws.destroy();
  });

  it("reports a missing SDK as the adapter's error, and tries the import again next time", async () => {
    let fail = true;
    const { sdk, counts } = countingSdk(async () => {
      if (fail)
        throw Object.assign(new Error("Cannot find package '@aws-sdk/client-eventbridge'"), {
          code: 'ERR_MODULE_NOT_FOUND',
        });
      return import('@aws-sdk/client-eventbridge');
    });
    const aws = createAwsClient(sdk, { clientConfig: fake.clientConfig }, adapter);
    const error = await aws.get().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect(formatError(error)).toBe(
      "[life-stats] [test:events] cannot load @aws-sdk/client-eventbridge: Cannot find package '@aws-sdk/client-eventbridge'\n" +
        '  → Install it next to @life-stats/core: npm install @aws-sdk/client-eventbridge',
    );
    expect((error as Error).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
    fail = false;
    await expect(aws.get()).resolves.toMatchObject({ client: expect.any(EventBridgeClient) });
    expect(counts.imports).toBe(2);
    aws.destroy();
  });
});
