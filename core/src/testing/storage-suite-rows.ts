/** Rows and times the storage suite's groups share. */
import type { MetricRow } from '../storage/types.js';

export const T1 = '2026-11-24T05:30:00.000Z';
export const T2 = '2026-11-25T05:30:00.000Z';

/** A metric row of user `me`, metric `steps` on 2026-11-24, with `fields` over it. */
export function metric(fields: Partial<MetricRow> = {}): MetricRow {
  return {
    user_id: 'me',
    metric_type: 'steps',
    date: '2026-11-24',
    value: 0,
    timestamp: T1,
    source: 'test-plugin',
    ...fields,
  };
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
