import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { countByStatus } from '../run/publish-events.js';
import type { PairStatus, RunSummary } from '../run/types.js';
import { SERVICE_NAME } from './logger.js';
import { printThroughStdout } from './stdout.js';

/** CloudWatch namespace of the run metrics. */
const METRICS_NAMESPACE = 'LifeStats';

const STATUSES: readonly PairStatus[] = ['ok', 'failed', 'skipped', 'reconnect', 'deferred'];

/**
 * Powertools' metrics, printing through stdout.ts's lines: no `Console` and no stderr stream per
 * instance (a cold start's cost, docs/performance.md).
 */
class StdoutMetrics extends Metrics {}
printThroughStdout(StdoutMetrics);

/** The run metrics of one container: {@link publishRunMetrics} prints them. */
export interface RunMetrics {
  /** Buffers `FailedPairs`, printed by `publishStoredMetrics()`. */
  stored: Metrics;
  /** Prints each `Pairs` datapoint at once, as its own EMF document with its own `Status`. */
  single: Metrics;
}

/**
 * Powertools metrics writers (CloudWatch Embedded Metric Format on stdout) in the `LifeStats`
 * namespace, with Powertools' default dimension `service` = `life-stats` on every metric.
 */
export function createRunMetrics(): RunMetrics {
  const options = { namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME };
  // `single` is what `stored.singleMetric()` makes, but of the subclass (`singleMetric()` makes a
  // plain `Metrics`, with a `Console` of its own).
  return { stored: new StdoutMetrics(options), single: new StdoutMetrics({ ...options, singleMetric: true }) };
}

/**
 * Emit one run's metrics and flush them (dimensions as documented in docs/lambda.md, which the infra
 * alarm relies on):
 * - `Pairs` (Count) with dimensions `service` and `Status`, one datapoint per status, zeros included, so a graph
 *   or an alarm never confuses "none failed" with "no data";
 * - `FailedPairs` (Count, dimension `service`): pairs that ended `failed` or `reconnect`, i.e. need a
 *   person (the CLI exits 1 for the same). The infra alarm watches it.
 */
export function publishRunMetrics(metrics: RunMetrics, summary: RunSummary): void {
  const counts = countByStatus(summary);
  // A single metric is printed at once, as its own EMF document (each has its own Status value)
  // with the default `service` dimension. Printing clears its `Status`, so one instance serves
  // every status, and every run of a warm container.
  for (const status of STATUSES) {
    metrics.single.addDimension('Status', status);
    metrics.single.addMetric('Pairs', MetricUnit.Count, counts[status]);
  }
  metrics.stored.addMetric('FailedPairs', MetricUnit.Count, counts.failed + counts.reconnect);
  metrics.stored.publishStoredMetrics();
}
