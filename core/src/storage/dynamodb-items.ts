import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { StorageError } from '../errors.js';
import type { CursorRow, MetricQuery, MetricRow } from './types.js';

/** A DynamoDB item in the low-level (`{ S: … }` / `{ N: … }`) shape. */
export type Item = Record<string, AttributeValue>;

export const SOURCE = '[life-stats] [storage:dynamodb]';

/**
 * Several attribute names of the seed's schema (`date`, `value`, `timestamp`, `source`) are DynamoDB
 * reserved words, so every expression refers to attributes through these placeholders.
 */
const NAMES = {
  '#user': 'user_id',
  '#key': 'metric_date',
  '#metric': 'metric_type',
  '#date': 'date',
  '#value': 'value',
  '#timestamp': 'timestamp',
  '#source': 'source',
  '#time': 'last_run_time',
  '#status': 'last_status',
  '#error': 'last_error',
} as const;

type NameRef = keyof typeof NAMES;

/** The sort key of the metrics table: dates first, so one user's rows sort by date. */
function metricDateKey(date: string, metricType: string): string {
  return `${date}#${metricType}`;
}

/** The metrics-table item of a row, with the seed's attribute names and types. */
export function toMetricItem(row: MetricRow): Item {
  for (const field of ['user_id', 'metric_type', 'date'] as const) {
    if (typeof row[field] !== 'string' || row[field] === '') {
      throw new StorageError(`${SOURCE} cannot write a metric row with an empty ${field} (${describeRow(row)})`, {
        hint: 'This is a bug in the caller: every row needs a user, a metric and a date.',
      });
    }
  }
  if (typeof row.value !== 'number' || !Number.isFinite(row.value)) {
    throw new StorageError(`${SOURCE} cannot write ${String(row.value)} as a value (${describeRow(row)})`, {
      hint: 'DynamoDB numbers must be finite: this is a bug in the caller.',
    });
  }
  return {
    user_id: { S: row.user_id },
    metric_date: { S: metricDateKey(row.date, row.metric_type) },
    metric_type: { S: row.metric_type },
    date: { S: row.date },
    // The shortest text that reads back as the same double; DynamoDB keeps up to 38 digits.
    value: { N: String(row.value) },
    timestamp: { S: row.timestamp },
    source: { S: row.source },
  };
}

/** A metric row from a stored item; an item without a numeric `value` is reported, not guessed. */
export function fromMetricItem(item: Item, table: string): MetricRow {
  const value = Number(item.value?.N);
  if (item.value?.N === undefined || !Number.isFinite(value)) {
    throw new StorageError(
      `${SOURCE} the item user_id=${JSON.stringify(item.user_id?.S)} metric_date=${JSON.stringify(item.metric_date?.S)} ` +
        `in table ${table} has no numeric "value"`,
      { hint: 'Fix or delete that item (its `value` attribute must be of type N).' },
    );
  }
  return {
    user_id: item.user_id?.S ?? '',
    metric_type: item.metric_type?.S ?? '',
    date: item.date?.S ?? '',
    value,
    timestamp: item.timestamp?.S ?? '',
    source: item.source?.S ?? '',
  };
}

/** A cursor row from a stored item; absent optional attributes stay absent. */
export function fromCursorItem(item: Item): CursorRow {
  const cursor: CursorRow = {
    user_id: item.user_id?.S ?? '',
    metric_type: item.metric_type?.S ?? '',
    last_status: item.last_status?.S ?? '',
  };
  if (item.last_run_time?.S !== undefined) cursor.last_run_time = item.last_run_time.S;
  if (item.last_error?.S !== undefined) cursor.last_error = item.last_error.S;
  return cursor;
}

/** The parts of a Query or Scan request that express a {@link MetricQuery}. */
export interface MetricRequest {
  KeyConditionExpression?: string;
  FilterExpression?: string;
  ProjectionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Item;
}

const METRIC_PROJECTION: NameRef[] = ['#user', '#key', '#metric', '#date', '#value', '#timestamp', '#source'];

/**
 * The Query (with a user) or Scan (without) that answers `query`, or `undefined` when the answer is
 * empty without asking (a `from` after `to`: DynamoDB rejects such a BETWEEN).
 *
 * With a user, the date range becomes a key condition on `metric_date` (`YYYY-MM-DD#metric`): from
 * `from` up to `to` followed by `$`, the character after `#`, so every metric of the last day is in.
 * The key interleaves metrics by date, so the metric itself is always a filter as well (DESIGN.md
 * "Storage"); a single day of one metric is an exact key.
 */
export function buildMetricRequest(query: MetricQuery): MetricRequest | undefined {
  const { userId, metricType, from, to } = query;
  if (from !== undefined && to !== undefined && from > to) return undefined;
  const values: Item = {};
  const filters: string[] = [];
  let keyCondition: string | undefined;

  if (userId !== undefined) {
    values[':user'] = { S: userId };
    keyCondition = '#user = :user';
    if (from !== undefined && from === to) {
      if (metricType !== undefined) {
        values[':key'] = { S: metricDateKey(from, metricType) };
        keyCondition += ' AND #key = :key';
      } else {
        values[':day'] = { S: `${from}#` };
        keyCondition += ' AND begins_with(#key, :day)';
      }
    } else if (from !== undefined && to !== undefined) {
      values[':from'] = { S: from };
      values[':to'] = { S: `${to}$` };
      keyCondition += ' AND #key BETWEEN :from AND :to';
    } else if (from !== undefined) {
      values[':from'] = { S: from };
      keyCondition += ' AND #key >= :from';
    } else if (to !== undefined) {
      values[':to'] = { S: `${to}$` };
      keyCondition += ' AND #key <= :to';
    }
  } else {
    if (from !== undefined) {
      values[':from'] = { S: from };
      filters.push('#date >= :from');
    }
    if (to !== undefined) {
      values[':to'] = { S: to };
      filters.push('#date <= :to');
    }
  }
  if (metricType !== undefined) {
    values[':metric'] = { S: metricType };
    filters.push('#metric = :metric');
  }

  const request: MetricRequest = {
    ProjectionExpression: METRIC_PROJECTION.join(', '),
    // Every placeholder an expression may use is in the projection, so none is ever unused.
    ExpressionAttributeNames: pick(METRIC_PROJECTION),
  };
  if (keyCondition !== undefined) request.KeyConditionExpression = keyCondition;
  if (filters.length > 0) request.FilterExpression = filters.join(' AND ');
  if (Object.keys(values).length > 0) request.ExpressionAttributeValues = values;
  return request;
}

/** Order of `queryMetrics`: user, metric, date (the same code-unit order as SQLite's for ASCII). */
export function compareMetricRows(a: MetricRow, b: MetricRow): number {
  return compare(a.user_id, b.user_id) || compare(a.metric_type, b.metric_type) || compare(a.date, b.date);
}

/** `#placeholder → attribute` for the given placeholders. */
export function pick(refs: Iterable<NameRef>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const ref of refs) out[ref] = NAMES[ref];
  return out;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function describeRow(row: MetricRow): string {
  return `user ${JSON.stringify(row.user_id)}, metric ${JSON.stringify(row.metric_type)}, date ${JSON.stringify(row.date)}`;
}
