/**
 * A metric name (a plugin's `metric.type`, a data type's metric, an entry's `metric`): lower-case
 * letters, digits and `_`, starting with a letter, at most {@link MAX_METRIC_NAME_LENGTH} characters —
 * it is part of DynamoDB's sort key `<date>#<metric>` (at most 1,024 bytes) and of every table a
 * person reads.
 */
export const METRIC_NAME_RE = /^[a-z][a-z0-9_]*$/;

/** The longest metric name. */
export const MAX_METRIC_NAME_LENGTH = 64;
