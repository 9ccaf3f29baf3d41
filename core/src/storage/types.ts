/** One stored observation: the seed's `metrics` table row. */
export interface MetricRow {
  user_id: string;
  metric_type: string;
  /** `YYYY-MM-DD`, the user's local date. */
  date: string;
  value: number;
  /** ISO 8601: when it was collected. */
  timestamp: string;
  /** Plugin id that wrote it. */
  source: string;
}

/**
 * The cursor of one user × metric: a row of the seed's `runs` table (DESIGN.md's "run row"). Its
 * `last_run_time` is where the next scheduled run starts; status and error say how the last pair
 * ended.
 */
export interface CursorRow {
  user_id: string;
  metric_type: string;
  /** ISO 8601 start of the last fully written run; absent until one succeeded. */
  last_run_time?: string;
  last_status: string;
  last_error?: string;
}

/** The key of a cursor row. */
export type CursorKey = Pick<CursorRow, 'user_id' | 'metric_type'>;

/** What a pair's end writes to its cursor row. */
export interface CursorUpdate {
  user_id: string;
  metric_type: string;
  last_status: string;
  /** Replaces the stored error; omitted clears it. */
  last_error?: string;
  /** Set only when given and later than the stored one: the cursor never moves backwards. */
  last_run_time?: string;
}

export interface MetricQuery {
  userId?: string;
  metricType?: string;
  /** Inclusive `YYYY-MM-DD`. */
  from?: string;
  /** Inclusive `YYYY-MM-DD`. */
  to?: string;
}

/**
 * A store for metrics and cursors: the `metrics` and `runs` tables of DESIGN.md "Storage".
 * Adapters: SQLite (embedded default), DynamoDB; a third-party one runs `describeStorage` from
 * `@life-stats/core/testing`.
 */
export interface Storage {
  /** Adapter name, for messages (`sqlite`, `dynamodb`). */
  readonly name: string;
  /** Upsert: the same user, date and metric overwrites, never duplicates. All or an error. */
  putMetrics(rows: readonly MetricRow[]): Promise<void>;
  /** Rows matching the query, ordered by user, metric, date. */
  queryMetrics(query?: MetricQuery): Promise<MetricRow[]>;
  /** The cursor row of one user × metric; `undefined` before its first pair ended. */
  getCursor(userId: string, metricType: string): Promise<CursorRow | undefined>;
  /** Every cursor row (optionally of one metric), ordered by user, metric. */
  listCursors(query?: { metricType?: string }): Promise<CursorRow[]>;
  /**
   * The (user, metric) keys of every cursor row, page by page as the store reads them, in no
   * particular order: the fan-out planner lists 100,000 run rows without holding them at once. An
   * adapter that reads everything at once may leave it out; callers fall back to `listCursors`.
   */
  pageCursorKeys?(): AsyncIterable<CursorKey[]>;
  /** Record a pair's outcome; `last_run_time` only moves forward, also between processes. */
  putCursor(update: CursorUpdate): Promise<void>;
  close(): Promise<void>;
}
