/**
 * Realistic, deterministic Apple Health data, day after day, for benchmarks and end-to-end tests:
 * an iPhone and an Apple Watch that both count steps and distance for the same walks (so a naive
 * sum doubles the day), per-minute active energy and heart rate from the watch, sleep stages from
 * the watch beside the iPhone's "in bed", resting heart rate, HRV, a scale in lb, water, workouts,
 * activity summaries, and blood-pressure correlations whose records repeat at the top level.
 * Feed it to `writeExport` from `./apple-health-export` to stream gigabytes to disk.
 */
import { type ExportElement, type HealthRecord, hkDevice } from './apple-health-export.js';

/** Options of {@link realisticExport}. */
export interface RealisticExportOptions {
  /** First local date, `YYYY-MM-DD`. */
  from: string;
  days: number;
  /** Where the person lives (offsets of every timestamp follow its DST). @default 'Europe/Berlin' */
  timeZone?: string;
  /** @default 1 */
  seed?: number;
}

export const WATCH = 'Alex’s Apple Watch';
export const PHONE = 'Alex’s iPhone';
const WATCH_DEVICE = hkDevice('Apple Watch', 'Watch', 'Watch6,2', '10.1');
const PHONE_DEVICE = hkDevice('iPhone', 'iPhone', 'iPhone14,5', '17.1');
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/** Formats instants as export timestamps in one zone; the offset is looked up once per UTC hour. */
export function createAppleDateFormatter(timeZone: string): (instantMs: number) => string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const offsets = new Map<number, number>();
  const offsetAt = (ms: number): number => {
    const hour = Math.floor(ms / HOUR_MS);
    let offset = offsets.get(hour);
    if (offset === undefined) {
      const p = Object.fromEntries(parts.formatToParts(hour * HOUR_MS).map((x) => [x.type, Number(x.value)]));
      offset =
        Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) -
        hour * HOUR_MS;
      offsets.set(hour, offset);
    }
    return offset;
  };
  const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
  return (instantMs) => {
    const offset = offsetAt(instantMs);
    const d = new Date(Math.floor(instantMs / 1000) * 1000 + offset);
    const minutes = Math.abs(offset) / MINUTE_MS;
    return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${offset < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}${pad(minutes % 60)}`;
  };
}

/** A small deterministic PRNG (mulberry32), so a benchmark file is the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The instant of local midnight of `date` in `timeZone`, near enough for generating (±1 h on DST days is fine). */
function localMidnight(date: string, format: (ms: number) => string): number {
  const utc = Date.parse(`${date}T00:00:00Z`);
  const stamp = format(utc);
  const sign = stamp[20] === '-' ? -1 : 1;
  const offset = sign * (Number(stamp.slice(21, 23)) * 60 + Number(stamp.slice(23, 25))) * MINUTE_MS;
  return utc - offset;
}

/** Every element of a multi-year export, generated lazily, day by day. */
export function* realisticExport(options: RealisticExportOptions): Generator<ExportElement> {
  const format = createAppleDateFormatter(options.timeZone ?? 'Europe/Berlin');
  const rand = random(options.seed ?? 1);
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1));
  const record = (
    type: string,
    source: 'watch' | 'phone',
    unit: string | undefined,
    value: number | string | undefined,
    start: number,
    end: number,
    metadata?: Record<string, string>,
  ): ExportElement => {
    const r: HealthRecord = {
      type,
      sourceName: source === 'watch' ? WATCH : PHONE,
      sourceVersion: source === 'watch' ? '10.1' : '17.1',
      device: source === 'watch' ? WATCH_DEVICE : PHONE_DEVICE,
      startDate: format(start),
      endDate: format(end),
      creationDate: format(end + 60_000),
      ...(unit === undefined ? {} : { unit }),
      ...(value === undefined ? {} : { value }),
      ...(metadata ? { metadata } : {}),
    };
    return { kind: 'record', ...r };
  };

  const first = Date.parse(`${options.from}T00:00:00Z`);
  for (let d = 0; d < options.days; d++) {
    const date = new Date(first + d * 86_400_000).toISOString().slice(0, 10);
    const midnight = localMidnight(date, format);
    const at = (minutes: number) => midnight + minutes * MINUTE_MS;

    // Walks from 07:00 to 22:00: the phone records 10-minute blocks, the watch 2–6 minute pieces of the same time.
    for (let m = 7 * 60; m < 22 * 60; m += int(10, 25)) {
      const steps = int(80, 1200);
      const km = steps * 0.00075;
      yield record('HKQuantityTypeIdentifierStepCount', 'phone', 'count', steps, at(m), at(m + 10));
      yield record('HKQuantityTypeIdentifierDistanceWalkingRunning', 'phone', 'km', km.toFixed(5), at(m), at(m + 10));
      for (let w = m; w < m + 10; w += 5) {
        const share = Math.round(steps / 2) + int(-10, 10);
        yield record('HKQuantityTypeIdentifierStepCount', 'watch', 'count', share, at(w), at(w + 5));
        yield record(
          'HKQuantityTypeIdentifierDistanceWalkingRunning',
          'watch',
          'km',
          (share * 0.00075).toFixed(5),
          at(w),
          at(w + 5),
        );
      }
      if (rand() < 0.1)
        yield record('HKQuantityTypeIdentifierFlightsClimbed', 'phone', 'count', int(1, 3), at(m), at(m + 2));
    }
    // The watch: active energy every minute or two of the waking day, heart rate every few minutes.
    for (let m = 7 * 60; m < 23 * 60; m += int(1, 3)) {
      yield record(
        'HKQuantityTypeIdentifierActiveEnergyBurned',
        'watch',
        'Cal',
        (rand() * 3).toFixed(3),
        at(m),
        at(m + 1),
      );
    }
    for (let m = 0; m < 24 * 60; m += int(3, 8)) {
      yield record('HKQuantityTypeIdentifierHeartRate', 'watch', 'count/min', int(52, 140), at(m), at(m), {
        HKMetadataKeyHeartRateMotionContext: String(int(0, 2)),
      });
    }
    // Night: the phone's "in bed" 22:50–07:10, the watch's stages 23:10–06:50 (the night that ends tomorrow morning).
    yield record(
      'HKCategoryTypeIdentifierSleepAnalysis',
      'phone',
      undefined,
      'HKCategoryValueSleepAnalysisInBed',
      at(22 * 60 + 50),
      at(31 * 60 + 10),
    );
    const stages = ['AsleepCore', 'AsleepDeep', 'AsleepCore', 'AsleepREM', 'Awake'];
    for (let m = 23 * 60 + 10; m < 30 * 60 + 50; ) {
      const length = int(10, 50);
      const stage = stages[int(0, stages.length - 1)];
      yield record(
        'HKCategoryTypeIdentifierSleepAnalysis',
        'watch',
        undefined,
        `HKCategoryValueSleepAnalysis${stage}`,
        at(m),
        at(m + length),
      );
      m += length;
    }
    // Once-a-day figures.
    yield record(
      'HKQuantityTypeIdentifierRestingHeartRate',
      'watch',
      'count/min',
      int(50, 62),
      at(8 * 60),
      at(20 * 60),
    );
    for (const m of [3 * 60, 9 * 60, 15 * 60]) {
      yield record(
        'HKQuantityTypeIdentifierHeartRateVariabilitySDNN',
        'watch',
        'ms',
        (30 + rand() * 40).toFixed(4),
        at(m),
        at(m + 1),
      );
    }
    yield {
      kind: 'record',
      type: 'HKQuantityTypeIdentifierBodyMass',
      sourceName: 'Withings',
      sourceVersion: '6.3',
      unit: 'lb',
      value: (170 + rand() * 5).toFixed(1),
      startDate: format(at(7 * 60 + 5)),
      metadata: { HKWasUserEntered: '0' },
    };
    yield {
      kind: 'record',
      type: 'HKQuantityTypeIdentifierBodyFatPercentage',
      sourceName: 'Withings',
      unit: '%',
      value: (0.2 + rand() * 0.02).toFixed(3),
      startDate: format(at(7 * 60 + 5)),
    };
    for (let i = 0; i < int(2, 6); i++) {
      yield {
        kind: 'record',
        type: 'HKQuantityTypeIdentifierDietaryWater',
        sourceName: 'WaterMinder',
        unit: 'mL',
        value: 250,
        startDate: format(at(int(7 * 60, 21 * 60))),
      };
    }
    if (d % 2 === 0) {
      const start = at(18 * 60);
      for (let m = 0; m < 30; m++)
        yield record(
          'HKQuantityTypeIdentifierAppleExerciseTime',
          'watch',
          'min',
          1,
          start + m * MINUTE_MS,
          start + (m + 1) * MINUTE_MS,
        );
      yield {
        kind: 'workout',
        workoutActivityType: 'HKWorkoutActivityTypeRunning',
        sourceName: WATCH,
        startDate: format(start),
        endDate: format(start + 30 * MINUTE_MS),
        durationMinutes: 30,
        statistics: {
          HKQuantityTypeIdentifierDistanceWalkingRunning: [5.1, 'km'],
          HKQuantityTypeIdentifierActiveEnergyBurned: [320, 'Cal'],
        },
      };
    }
    if (d % 7 === 0) {
      const bp = (type: string, value: number): HealthRecord => ({
        type,
        sourceName: 'Omron',
        unit: 'mmHg',
        value,
        startDate: format(at(8 * 60)),
      });
      const records = [
        bp('HKQuantityTypeIdentifierBloodPressureSystolic', int(110, 130)),
        bp('HKQuantityTypeIdentifierBloodPressureDiastolic', int(70, 85)),
      ];
      for (const r of records) yield { kind: 'record', ...r };
      yield {
        kind: 'correlation',
        type: 'HKCorrelationTypeIdentifierBloodPressure',
        sourceName: 'Omron',
        startDate: format(at(8 * 60)),
        records,
      };
    }
    yield {
      kind: 'activity-summary',
      date,
      activeEnergyBurned: int(300, 700),
      exerciseMinutes: d % 2 === 0 ? 30 : int(0, 20),
      standHours: int(8, 14),
    };
  }
}
