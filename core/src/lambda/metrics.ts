import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { countByStatus } from '../run/publish-events.js';
import type { PairStatus, RunSummary } from '../run/types.js';
import { SERVICE_NAME } from './logger.js';

/** CloudWatch namespace of the run metrics. */
const METRICS_NAMESPACE = 'LifeStats';

const STATUSES: readonly PairStatus[] = ['ok', 'failed', 'skipped', 'reconnect', 'deferred'];

/**
 * A Powertools metrics writer (CloudWatch Embedded Metric Format on stdout) in the `LifeStats`
 * namespace, with Powertools' default dimension `service` = `life-stats` on every metric.
 */
export function createRunMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
}

/**
 * Emit one run's metrics and flush them (dimensions as documented in docs/lambda.md, which the infra
 * alarm relies on):
 * - `Pairs` (Count) with dimensions `service` and `Status`, one datapoint per status, zeros included, so a graph
 *   or an alarm never confuses "none failed" with "no data";
 * - `FailedPairs` (Count, dimension `service`): pairs that ended `failed` or `reconnect`, i.e. need a
 *   person (the CLI exits 1 for the same). The infra alarm watches it.
 */
export function publishRunMetrics(metrics: Metrics, summary: RunSummary): void {
  const counts = countByStatus(summary);
  // A single metric is printed at once, as its own EMF document (each has its own Status value);
  // it inherits the default `service` dimension. Printing clears its `Status`, so one instance
  // serves every status (each `singleMetric()` is a new Metrics with its own console: ~0.3 ms).
  const single = metrics.singleMetric();
  for (const status of STATUSES) {
    single.addDimension('Status', status);
    single.addMetric('Pairs', MetricUnit.Count, counts[status]);
  }
  metrics.addMetric('FailedPairs', MetricUnit.Count, counts.failed + counts.reconnect);
  metrics.publishStoredMetrics();
}
