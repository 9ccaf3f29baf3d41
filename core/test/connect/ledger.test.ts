import { type LocalDynamoDb, startLocalDynamoDb } from '@life-stats/testing/dynalite';
import { tempDir } from '@life-stats/testing/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectLedger } from '../../src/connect/ledger.js';
import { createDynamoDbLedger } from '../../src/connect/ledger-dynamodb.js';
import { createSqliteLedger } from '../../src/connect/ledger-sqlite.js';
import { createDynamoDbStorage } from '../../src/storage/dynamodb.js';
import { createSqliteStorage } from '../../src/storage/sqlite.js';

/**
 * The single-use record of connect links, on both stores: a claim is granted once (also to one of
 * many racing callers), lasts until its expiry, can be released, and never shows up as a run row.
 */
const NOW = Date.parse('2026-11-24T10:00:00Z');
const HOUR = 3_600_000;

let dynamo: LocalDynamoDb;
beforeAll(async () => {
  dynamo = await startLocalDynamoDb();
});
afterAll(() => dynamo?.stop());

const stores: [string, () => Promise<{ ledger: ConnectLedger; runs: () => Promise<unknown[]> }>][] = [
  [
    'dynamodb',
    async () => {
      const { runsTable, metricsTable } = await dynamo.createTables();
      const storage = createDynamoDbStorage({ metricsTable, runsTable, clientConfig: dynamo.clientConfig });
      await storage.putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok' });
      return {
        ledger: createDynamoDbLedger({ table: runsTable, clientConfig: dynamo.clientConfig }),
        runs: () => storage.listCursors(),
      };
    },
  ],
  [
    'sqlite',
    async () => {
      const path = `${tempDir('life-stats-ledger-')}/ls.db`;
      const storage = createSqliteStorage({ path });
      await storage.putCursor({ user_id: 'me', metric_type: 'steps', last_status: 'ok' });
      return { ledger: createSqliteLedger({ path }), runs: () => storage.listCursors() };
    },
  ],
];

describe.each(stores)('the connect ledger on %s', (_name, open) => {
  it('grants a claim once, and tells it is claimed until it expires', async () => {
    const { ledger } = await open();
    expect(await ledger.isClaimed('link#a', NOW)).toBe(false);
    expect(await ledger.claim('link#a', NOW + HOUR, NOW)).toBe(true);
    expect(await ledger.claim('link#a', NOW + HOUR, NOW + 1000)).toBe(false);
    expect(await ledger.isClaimed('link#a', NOW + HOUR - 1000)).toBe(true);
    expect(await ledger.isClaimed('link#b', NOW)).toBe(false);
    // After its expiry the record is spent (TTL may not have deleted it yet): it may be claimed anew.
    expect(await ledger.isClaimed('link#a', NOW + HOUR + 1000)).toBe(false);
    expect(await ledger.claim('link#a', NOW + 2 * HOUR, NOW + HOUR + 1000)).toBe(true);
    await ledger.close();
  });

  it('grants one of many racing claims', async () => {
    const { ledger } = await open();
    const results = await Promise.all(Array.from({ length: 8 }, () => ledger.claim('state#race', NOW + HOUR, NOW)));
    expect(results.filter(Boolean)).toHaveLength(1);
    await ledger.close();
  });

  it('releases a claim so it can be made again', async () => {
    const { ledger } = await open();
    expect(await ledger.claim('link#r', NOW + HOUR, NOW)).toBe(true);
    await ledger.release('link#r');
    expect(await ledger.isClaimed('link#r', NOW)).toBe(false);
    expect(await ledger.claim('link#r', NOW + HOUR, NOW)).toBe(true);
    await ledger.close();
  });

  it('keeps its records out of the run rows', async () => {
    const { ledger, runs } = await open();
    await ledger.claim('link#x', NOW + HOUR, NOW);
    await ledger.claim('state#y', NOW + HOUR, NOW);
    expect(await runs()).toEqual([{ user_id: 'me', metric_type: 'steps', last_status: 'ok' }]);
    await ledger.close();
  });
});

describe('the connect ledger on dynamodb, in the table', () => {
  it('writes one item per claim in the #connect partition with its expiry in epoch seconds (the TTL attribute)', async () => {
    const { runsTable } = await dynamo.createTables();
    const ledger = createDynamoDbLedger({ table: runsTable, clientConfig: dynamo.clientConfig });
    await ledger.claim('link#abc', NOW + HOUR, NOW);
    expect(await dynamo.scan(runsTable)).toEqual([
      { user_id: { S: '#connect' }, metric_type: { S: 'link#abc' }, expires_at: { N: String((NOW + HOUR) / 1000) } },
    ]);
    await ledger.close();
  });
});
