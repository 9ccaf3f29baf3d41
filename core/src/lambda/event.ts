import { showUserId, userIdProblem } from '../config/user-id.js';
import { UsageError } from '../errors.js';

/** The Lambda event of the original system, also the input an EventBridge rule passes. */
export interface LifeStatsEvent {
  /** Run only the plugin entry writing this metric. */
  metric?: string;
  /** Run only this user. */
  user_id?: string;
}

/** What an event selects; both absent: every metric for every user. */
export interface EventSelection {
  metric?: string;
  user?: string;
}

/** The `source` of the events this package publishes (`Run Completed`). */
const EVENT_SOURCE = 'life-stats';

/**
 * Read a Lambda event (DESIGN.md "Lambda"): `{}`, `{ metric }`, `{ user_id }` or both; unknown keys
 * are ignored, so a bare EventBridge "Scheduled Event" envelope (a rule without input) selects
 * everything. `null`/absent values count as not given.
 *
 * @throws {UsageError} for an event that is not an object, a `metric`/`user_id` that is not a
 * non-empty string, or one of this package's own `Run Completed` events (routing those back to the
 * function would start a run per finished run, forever).
 */
export function parseEvent(event: unknown): EventSelection {
  if (event === undefined || event === null) return {};
  if (typeof event !== 'object' || Array.isArray(event)) {
    throw new UsageError(`the Lambda event must be a JSON object such as {"metric":"steps"}, got ${describe(event)}`, {
      hint: 'Send {} to run everything, or {"metric": "<metric>", "user_id": "<user>"} to narrow the run.',
    });
  }
  const record = event as Record<string, unknown>;
  if (record.source === EVENT_SOURCE && typeof record['detail-type'] === 'string') {
    throw new UsageError(
      `the Lambda received a life-stats "${record['detail-type']}" event: an EventBridge rule routes the function's own events back to it`,
      { hint: 'Remove the rule (or target) that sends source "life-stats" events to this function.' },
    );
  }
  const selection: EventSelection = {};
  const metric = readKey(record, 'metric');
  const user = readKey(record, 'user_id');
  if (metric !== undefined) selection.metric = metric;
  if (user !== undefined) {
    const problem = userIdProblem(user);
    if (problem) {
      throw new UsageError(`the Lambda event's "user_id" ${showUserId(user)} is not a user id: it ${problem}`, {
        hint: 'A user id is letters, digits and . _ @ + -, starting with a letter or digit, at most 128 characters.',
      });
    }
    selection.user = user;
  }
  return selection;
}

function readKey(record: Record<string, unknown>, key: 'metric' | 'user_id'): string | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new UsageError(`the Lambda event's "${key}" must be a non-empty string, got ${describe(value)}`, {
      hint: `Fix the event, or the input of the EventBridge rule that sent it (e.g. {"${key}": "${key === 'metric' ? 'steps' : 'me'}"}).`,
    });
  }
  return value;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value).slice(0, 40)}`;
}
