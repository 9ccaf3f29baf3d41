import type { StorageConfig } from '../config/types.js';

/**
 * The single-use record of connect links: a claim per link that connected a user, and one per
 * consent state that came back, so a link works once and a replayed callback is refused — across
 * Lambda instances, since a claim is a conditional write in the store (never memory). A claim
 * expires with what it guards: a link's with the link, a state's with the state.
 *
 * It lives beside the run rows: DynamoDB's runs table (partition `#connect`, with a TTL attribute
 * `expires_at`), or a `connect_claims` table in the SQLite file.
 */
export interface ConnectLedger {
  /** Is `key` claimed (and the claim not expired at `now`, epoch ms)? */
  isClaimed(key: string, now: number): Promise<boolean>;
  /**
   * Claim `key` until `expiresAt` (epoch ms), atomically: `true` for the one caller that got it,
   * `false` for every other — in any process — while the claim lasts.
   */
  claim(key: string, expiresAt: number, now: number): Promise<boolean>;
  /** Undo a claim whose work failed (the user's token could not be stored), so the link works again. */
  release(key: string): Promise<void>;
  close(): Promise<void>;
}

/** Open the ledger of the configured storage, importing only its adapter. */
export async function openConnectLedger(config: StorageConfig): Promise<ConnectLedger> {
  switch (config.type) {
    case 'dynamodb': {
      const { createDynamoDbLedger } = await import('./ledger-dynamodb.js');
      return createDynamoDbLedger({ table: config.runsTable });
    }
    case 'sqlite': {
      const { createSqliteLedger } = await import('./ledger-sqlite.js');
      return createSqliteLedger({ path: config.path });
    }
  }
}
