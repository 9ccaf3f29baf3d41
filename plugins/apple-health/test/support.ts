import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestContext } from '@life-stats/core/testing';
import {
  type ExportElement,
  exportXml,
  type HealthRecord,
  type WriteExportOptions,
  writeExport,
} from '@life-stats/testing/apple-health-export';
import { afterAll, beforeEach } from 'vitest';
import plugin, { type AppleHealthConfig, type DataTypeName } from '../src/index.js';
import { clearSharedSummaries } from '../src/shared-summary.js';

export { plugin };

/** A temp folder for this test file, removed after it. */
export function tempFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // Each test starts like a fresh process: nothing parsed yet.
  beforeEach(() => clearSharedSummaries());
  return dir;
}

export const HK = {
  steps: 'HKQuantityTypeIdentifierStepCount',
  distance: 'HKQuantityTypeIdentifierDistanceWalkingRunning',
  energy: 'HKQuantityTypeIdentifierActiveEnergyBurned',
  flights: 'HKQuantityTypeIdentifierFlightsClimbed',
  exercise: 'HKQuantityTypeIdentifierAppleExerciseTime',
  restingHr: 'HKQuantityTypeIdentifierRestingHeartRate',
  hrv: 'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
  weight: 'HKQuantityTypeIdentifierBodyMass',
  bodyFat: 'HKQuantityTypeIdentifierBodyFatPercentage',
  water: 'HKQuantityTypeIdentifierDietaryWater',
  sleep: 'HKCategoryTypeIdentifierSleepAnalysis',
  heartRate: 'HKQuantityTypeIdentifierHeartRate',
} as const;

/** A top-level record; `start`/`end` are export timestamps. */
export function rec(
  type: string,
  sourceName: string,
  startDate: string,
  endDate: string,
  value: string | number,
  unit?: string,
  extra: Partial<HealthRecord> = {},
): ExportElement {
  return {
    kind: 'record',
    type,
    sourceName,
    startDate,
    endDate,
    value,
    ...(unit === undefined ? {} : { unit }),
    ...extra,
  };
}

export const WATCH = 'Alex’s Apple Watch';
export const PHONE = 'Alex’s iPhone';

let written = 0;
/** Write an export (xml by default) into `dir` and return its path. */
export async function exportFile(
  dir: string,
  elements: ExportElement[],
  options: WriteExportOptions & { name?: string } = {},
): Promise<string> {
  const file = join(dir, options.name ?? `export-${++written}.${options.format === 'zip' ? 'zip' : 'xml'}`);
  await writeExport(file, elements, options);
  return file;
}

export { exportXml };

export interface FetchOptions {
  window?: { start: string; end: string };
  timezone?: string;
  sources?: string[];
  signal?: AbortSignal;
}

/** Fetch one data type as core would, returning `{ date: value }` and the log lines. */
export async function fetchDays(file: string, dataType: DataTypeName, options: FetchOptions = {}) {
  const config: AppleHealthConfig = { file, dataType, ...(options.sources ? { sources: options.sources } : {}) };
  const test = createTestContext<AppleHealthConfig>({
    plugin,
    config,
    window: options.window ?? { start: '2026-01-01', end: '2026-12-31' },
    user: { timezone: options.timezone ?? 'Europe/Berlin' },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const observations = await plugin.fetch(test.ctx);
  return { days: Object.fromEntries(observations.map((o) => [o.date, o.value])), observations, logs: test.logs };
}

/** The error a fetch fails with (fails the test when it does not fail). */
export async function fetchError(file: string, dataType: DataTypeName = 'steps', options: FetchOptions = {}) {
  try {
    await fetchDays(file, dataType, options);
  } catch (error) {
    return error as Error & { code?: string; hint?: string };
  }
  throw new Error('fetch did not fail');
}
