import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type CapturedStdout, captureStdout, countStderrReads } from '@life-stats/testing/capture-stdout';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunMetrics, publishRunMetrics } from '../../src/lambda/metrics.js';
import type { PairResult, PairStatus } from '../../src/run/types.js';

let stdout: CapturedStdout | undefined;

afterEach(() => {
  stdout?.restore();
  stdout = undefined;
});

const pair = (status: PairStatus, user = 'me'): PairResult => ({ user, metric: 'steps', plugin: 'p', status });

interface Emf {
  _aws: {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

describe('run metrics (EMF)', () => {
  it('emits Pairs per Status, zeros included, and FailedPairs = failed + reconnect, all with service=life-stats', () => {
    stdout = captureStdout();
    const summary = {
      runs: [
        pair('ok'),
        pair('ok', 'a'),
        pair('failed'),
        pair('reconnect', 'b'),
        pair('skipped', 'c'),
        pair('deferred', 'd'),
        pair('deferred', 'e'),
      ],
    };
    publishRunMetrics(createRunMetrics(), summary);
    const docs = stdout.json() as Emf[];
    const pairs = docs.filter((d) => 'Pairs' in d);
    expect(Object.fromEntries(pairs.map((d) => [d.Status, d.Pairs]))).toEqual({
      ok: 2,
      failed: 1,
      skipped: 1,
      reconnect: 1,
      deferred: 2,
    });
    for (const doc of pairs) {
      expect(doc._aws.CloudWatchMetrics).toEqual([
        { Namespace: 'LifeStats', Dimensions: [['service', 'Status']], Metrics: [{ Name: 'Pairs', Unit: 'Count' }] },
      ]);
      expect(doc.service).toBe('life-stats');
    }
    const failed = docs.find((d) => 'FailedPairs' in d);
    expect(failed?.FailedPairs).toBe(2);
    expect(failed?._aws.CloudWatchMetrics).toEqual([
      { Namespace: 'LifeStats', Dimensions: [['service']], Metrics: [{ Name: 'FailedPairs', Unit: 'Count' }] },
    ]);
    expect(failed?.service).toBe('life-stats');
    expect(docs).toHaveLength(6);
  });

  it('emits zeros for an empty run, so the alarm sees data', () => {
    stdout = captureStdout();
    publishRunMetrics(createRunMetrics(), { runs: [] });
    const docs = stdout.json();
    expect(docs.find((d) => 'FailedPairs' in d)?.FailedPairs).toBe(0);
    expect(docs.filter((d) => 'Pairs' in d).map((d) => d.Pairs)).toEqual([0, 0, 0, 0, 0]);
  });

  it('prints what Powertools prints, through stdout alone: no Console, no stderr stream', () => {
    const summary = { runs: [pair('ok'), pair('failed'), pair('deferred', 'a')] };
    stdout = captureStdout();
    const reads = countStderrReads(() => publishRunMetrics(createRunMetrics(), summary));
    const ours = stdout.text();
    stdout.restore();
    expect(reads).toBe(0);
    // The same documents from Powertools' own instances (singleMetric() for each Status).
    stdout = captureStdout();
    const plain = new Metrics({ namespace: 'LifeStats', serviceName: 'life-stats' });
    const single = plain.singleMetric();
    for (const [status, count] of Object.entries({ ok: 1, failed: 1, skipped: 0, reconnect: 0, deferred: 1 })) {
      single.addDimension('Status', status);
      single.addMetric('Pairs', MetricUnit.Count, count);
    }
    plain.addMetric('FailedPairs', MetricUnit.Count, 1);
    plain.publishStoredMetrics();
    const withoutTime = (text: string) => text.replace(/"Timestamp":\d+/g, '"Timestamp":0');
    expect(withoutTime(ours)).toBe(withoutTime(stdout.text()));
    expect(ours.split('\n')).toHaveLength(7);
  });
});
