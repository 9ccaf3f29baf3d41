import type { EventBridgeClient, EventBridgeClientConfig } from '@aws-sdk/client-eventbridge';
import { type AwsClientOptions, createAwsClient, defineAwsSdk } from '../aws/client.js';
import { classifyAwsError } from '../aws/errors.js';
import { formatError, LifeStatsError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { PairStatus, RunSummary } from './types.js';

/** The `source` and `detail-type` of the event published after each run. */
const RUN_COMPLETED = { source: 'life-stats', detailType: 'Run Completed' } as const;

/** EventBridge's limit for one entry (detail, source, detail-type and bus name together). */
const MAX_ENTRY_BYTES = 256 * 1024;

/** Options of {@link publishRunCompleted}. */
export interface PublishRunCompletedOptions extends AwsClientOptions<EventBridgeClient, EventBridgeClientConfig> {
  /** Name or ARN of the event bus (`events.busName` in the config). */
  busName: string;
  summary: RunSummary;
  logger: Logger;
}

type Sdk = typeof import('./eventbridge-commands.js');

const eventBridge = defineAwsSdk<Sdk, EventBridgeClient, EventBridgeClientConfig>({
  packageName: '@aws-sdk/client-eventbridge',
  importSdk: () => import('./eventbridge-commands.js'),
  clientClass: 'EventBridgeClient',
  createClient: (sdk, config) => new sdk.EventBridgeClient(config),
});

/**
 * Publish one `Run Completed` event (source `life-stats`, the run summary as detail) so downstream
 * systems can react to a run. Publishing is a side effect of a run, never part of it: any failure
 * (no permission, unknown bus, a rejected entry) is logged and reported as `false`, never thrown.
 *
 * A summary too large for one event (256 KB) is sent in a compact form: the counts by status, the
 * pairs that are not `ok`, and `truncated: true`.
 *
 * @returns whether EventBridge accepted the event.
 */
export async function publishRunCompleted(options: PublishRunCompletedOptions): Promise<boolean> {
  const { busName, summary, logger } = options;
  const log = logger.child({ eventBus: busName });
  const aws = createAwsClient(eventBridge, options, {
    source: '[life-stats] [events]',
    toError: (message, errorOptions) => new LifeStatsError('E_EVENTS', message, errorOptions),
  });
  try {
    const { sdk, client } = await aws.get();
    const detail = fitDetail(summary, busName);
    const output = await client.send(
      new sdk.PutEventsCommand({
        Entries: [
          { EventBusName: busName, Source: RUN_COMPLETED.source, DetailType: RUN_COMPLETED.detailType, Detail: detail },
        ],
      }),
    );
    const entry = output.Entries?.[0];
    if ((output.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode) {
      log.error(
        `could not publish the "Run Completed" event to bus ${busName}: ${entry?.ErrorCode ?? 'rejected'}` +
          `${entry?.ErrorMessage ? ` (${entry.ErrorMessage})` : ''}; the run itself is unaffected`,
      );
      return false;
    }
    log.info(`published a "Run Completed" event to bus ${busName}`, { eventId: entry?.EventId });
    return true;
  } catch (error) {
    const denied = classifyAwsError(error).kind === 'access-denied';
    log.error(
      `could not publish the "Run Completed" event to bus ${busName}: ${formatError(error)}; the run itself is unaffected` +
        (denied ? ` (allow events:PutEvents on the bus ${busName} to the role running life-stats)` : ''),
    );
    return false;
  } finally {
    aws.destroy();
  }
}

/** The summary as JSON, compacted when it would not fit in one event. */
function fitDetail(summary: RunSummary, busName: string): string {
  const overhead = Buffer.byteLength(RUN_COMPLETED.source + RUN_COMPLETED.detailType + busName);
  const fits = (text: string) => Buffer.byteLength(text) + overhead <= MAX_ENTRY_BYTES;
  const full = JSON.stringify(summary);
  if (fits(full)) return full;
  const counts = countByStatus(summary);
  const notOk = summary.runs.filter((pair) => pair.status !== 'ok');
  const compact = JSON.stringify({ runs: notOk, counts, truncated: true });
  if (fits(compact)) return compact;
  return JSON.stringify({ runs: [], counts, truncated: true });
}

/** Number of pairs per status, every status present. */
export function countByStatus(summary: RunSummary): Record<PairStatus, number> {
  const counts: Record<PairStatus, number> = { ok: 0, failed: 0, skipped: 0, reconnect: 0, deferred: 0 };
  for (const pair of summary.runs) counts[pair.status]++;
  return counts;
}
