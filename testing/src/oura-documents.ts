/**
 * The documents the fake Oura (`fake-oura.ts`) serves, computed from what a test gives: activity
 * samples, per-day scores and sleep periods of one user in their own time zone. Oura attributes
 * them to its `day` the way its reference says, so a plugin that stored UTC dates, or dropped a
 * day at either end of its window, shows it in the numbers.
 *
 * Shapes: the Oura API v2 OpenAPI document (https://cloud.ouraring.com/v2/docs, served as
 * https://cloud.ouraring.com/v2/static/json/openapi-1.35.json): `PublicDailyActivity` ("a daily
 * activity that is a 24-hour period starting at 4 a.m."), `PublicDailySleep`,
 * `PublicDailyReadiness`, `PublicModifiedSleepModel` (the `sleep` periods) and `PublicSleepType`
 * (`late_nap`: "ended after sleep day change (6 pm), contributes to next days daily scores").
 * `timestamp`, `bedtime_start` and `bedtime_end` are `LocalizedDateTime`s: local time with the
 * user's offset, e.g. `2026-11-20T04:00:00+13:00`.
 */
import { addDays, localDate, startOfLocalDay, zoneOffsetMinutes } from '@life-stats/core';

/** Steps and active calories at one instant (a walk), counted for Oura's day of that instant. */
export interface OuraActivitySample {
  /** ISO 8601 instant. */
  at: string;
  steps?: number;
  /** kcal. */
  activeCalories?: number;
}

/** The scores of one Oura `day` (points 0–100); `null`: the document exists, the score was not computed. */
export interface OuraDayScores {
  day: string;
  activity?: number | null;
  sleep?: number | null;
  readiness?: number | null;
}

/** A sleep period (`usercollection/sleep` document). */
export interface OuraSleepPeriod {
  /** ISO 8601 instants. */
  bedtimeStart: string;
  bedtimeEnd: string;
  /** @default 'long_sleep' */
  type?: 'long_sleep' | 'sleep' | 'late_nap' | 'rest' | 'deleted' | null;
  /** Seconds asleep; `null` as Oura sends it for a period it did not analyse. */
  totalSleepSeconds?: number | null;
  lowestHeartRate?: number | null;
}

/** One user's data at Oura. */
export interface OuraUserData {
  /** The zone the ring's days are in. @default 'UTC' */
  timeZone?: string;
  activity?: OuraActivitySample[];
  scores?: OuraDayScores[];
  sleeps?: OuraSleepPeriod[];
}

/** The list endpoints the fake serves, by their path segment under `v2/usercollection/`. */
export type OuraCollection = 'daily_activity' | 'daily_sleep' | 'daily_readiness' | 'sleep';

/** A document as served, before `fields` picks from it. */
export type OuraDocument = Record<string, unknown> & { id: string; day: string };

const fields = (names: string) => Object.freeze(names.trim().split(/\s+/));

/** Every documented property of each collection's documents (what `fields` may name). */
export const OURA_DOCUMENT_FIELDS: Record<OuraCollection, readonly string[]> = {
  daily_activity: fields(`
    id active_calories average_met_minutes class_5_min contributors day equivalent_walking_distance
    high_activity_met_minutes high_activity_time inactivity_alerts low_activity_met_minutes low_activity_time
    medium_activity_met_minutes medium_activity_time met meters_to_target non_wear_time resting_time score
    sedentary_met_minutes sedentary_time steps target_calories target_meters timestamp total_calories`),
  daily_sleep: fields('id contributors day score timestamp'),
  daily_readiness: fields('id contributors day score temperature_deviation temperature_trend_deviation timestamp'),
  sleep: fields(`
    id average_breath average_heart_rate average_hrv awake_time bedtime_end bedtime_start day deep_sleep_duration
    efficiency heart_rate hrv latency light_sleep_duration low_battery_alert lowest_heart_rate movement_30_sec period
    readiness readiness_score_delta rem_sleep_duration restless_periods sleep_algorithm_version sleep_analysis_reason
    sleep_phase_30_sec sleep_phase_5_min sleep_score_delta time_in_bed total_sleep_duration type ring_id
    app_sleep_phase_5_min`),
};

/** `instant` as Oura's `LocalizedDateTime` in `zone`: `2026-11-20T04:00:00+13:00`. */
export function localizedDateTime(instant: Date, zone: string): string {
  const offset = zoneOffsetMinutes(instant, zone);
  const local = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Oura's activity `day` of an instant: the local date of the 24 hours that start at 4 a.m. */
export function activityDay(at: string, zone: string): string {
  return localDate(new Date(Date.parse(at) - 4 * 3_600_000), zone);
}

/** Oura's `day` of a sleep period: the local date it ends, the next one when it ends after 6 p.m. */
export function sleepDay(period: OuraSleepPeriod, zone: string): string {
  const end = new Date(period.bedtimeEnd);
  const day = localDate(end, zone);
  const hour = Math.floor(((end.getTime() - startOfLocalDay(day, zone).getTime()) / 3_600_000) % 24);
  return hour >= 18 ? addDays(day, 1) : day;
}

/** The instant a date-only bound or a `timestamp` filter compares: 04:00 local of `day`. */
const dayTimestamp = (day: string, zone: string) => new Date(startOfLocalDay(day, zone).getTime() + 4 * 3_600_000);

const score = (value: number | null | undefined) => (value === undefined ? null : value);

function dailyActivity(user: OuraUserData, zone: string): OuraDocument[] {
  const byDay = new Map<string, { steps: number; active: number }>();
  for (const sample of user.activity ?? []) {
    const day = activityDay(sample.at, zone);
    const sums = byDay.get(day) ?? { steps: 0, active: 0 };
    sums.steps += sample.steps ?? 0;
    sums.active += sample.activeCalories ?? 0;
    byDay.set(day, sums);
  }
  const scores = new Map((user.scores ?? []).filter((s) => s.activity !== undefined).map((s) => [s.day, s.activity]));
  const days = [...new Set([...byDay.keys(), ...scores.keys()])].sort();
  return days.map((day) => {
    const sums = byDay.get(day) ?? { steps: 0, active: 0 };
    return {
      id: `activity-${day}`,
      day,
      timestamp: localizedDateTime(dayTimestamp(day, zone), zone),
      score: score(scores.get(day)),
      active_calories: sums.active,
      total_calories: sums.active + 1650,
      steps: sums.steps,
      equivalent_walking_distance: Math.round(sums.steps * 0.75),
      average_met_minutes: 1.3,
      contributors: {
        meet_daily_targets: 60,
        move_every_hour: 100,
        recovery_time: 100,
        stay_active: 80,
        training_frequency: 70,
        training_volume: 90,
      },
      met: { interval: 60, items: [1.1, 1.3], timestamp: localizedDateTime(dayTimestamp(day, zone), zone) },
      high_activity_met_minutes: 0,
      high_activity_time: 0,
      medium_activity_met_minutes: 30,
      medium_activity_time: 1800,
      low_activity_met_minutes: 120,
      low_activity_time: 9000,
      sedentary_met_minutes: 10,
      sedentary_time: 30_000,
      resting_time: 28_000,
      non_wear_time: 0,
      inactivity_alerts: 0,
      meters_to_target: 2000,
      target_calories: 450,
      target_meters: 9000,
      class_5_min: null,
    };
  });
}

function dailyScore(user: OuraUserData, zone: string, which: 'sleep' | 'readiness'): OuraDocument[] {
  return (user.scores ?? [])
    .filter((s) => s[which] !== undefined)
    .map((s) => ({
      id: `${which}-${s.day}`,
      day: s.day,
      timestamp: localizedDateTime(dayTimestamp(s.day, zone), zone),
      score: score(s[which]),
      contributors: which === 'sleep' ? { deep_sleep: 80, efficiency: 90, total_sleep: 85 } : { hrv_balance: 75 },
      ...(which === 'readiness' ? { temperature_deviation: -0.1, temperature_trend_deviation: 0.05 } : {}),
    }));
}

function sleepPeriods(user: OuraUserData, zone: string): OuraDocument[] {
  return (user.sleeps ?? []).map((period, i) => {
    const start = new Date(period.bedtimeStart);
    const end = new Date(period.bedtimeEnd);
    const inBed = Math.round((end.getTime() - start.getTime()) / 1000);
    return {
      id: `sleep-${i + 1}`,
      day: sleepDay(period, zone),
      bedtime_start: localizedDateTime(start, zone),
      bedtime_end: localizedDateTime(end, zone),
      type: period.type === undefined ? 'long_sleep' : period.type,
      total_sleep_duration: period.totalSleepSeconds === undefined ? null : period.totalSleepSeconds,
      time_in_bed: inBed,
      awake_time: period.totalSleepSeconds ? Math.max(0, inBed - period.totalSleepSeconds) : null,
      lowest_heart_rate: period.lowestHeartRate === undefined ? null : period.lowestHeartRate,
      average_heart_rate: period.lowestHeartRate ? period.lowestHeartRate + 7.5 : null,
      average_hrv: 42,
      efficiency: 88,
      latency: 600,
      period: i,
      low_battery_alert: false,
      heart_rate: { interval: 300, items: [62, 58, null, 55], timestamp: localizedDateTime(start, zone) },
      sleep_phase_5_min: '4422113322114',
      readiness: null,
    };
  });
}

/** Every document of `collection` for `user`, in Oura's order (by day, then as recorded). */
export function ouraDocuments(collection: OuraCollection, user: OuraUserData): OuraDocument[] {
  const zone = user.timeZone ?? 'UTC';
  const documents =
    collection === 'daily_activity'
      ? dailyActivity(user, zone)
      : collection === 'sleep'
        ? sleepPeriods(user, zone)
        : dailyScore(user, zone, collection === 'daily_sleep' ? 'sleep' : 'readiness');
  return documents.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/**
 * How the fake reads a date-only `start_date`/`end_date`, after the field reports (the reference
 * says nothing): `end-exclusive`, `start_date <= day < end_date` (issue 15; a query ending on a day
 * does not return it); `timestamp`, the document's `timestamp` (a sleep's `bedtime_start`) between
 * both dates read as UTC midnight, end excluded (the-momentum/open-wearables#1161); `start-exclusive`,
 * `start_date < day <= end_date` (their #1007 on `sleep`).
 */
export type OuraDateFilter = 'end-exclusive' | 'timestamp' | 'start-exclusive';

/** Does `document` fall in the query's dates under `filter`? */
export function inQuery(document: OuraDocument, start: string, end: string, filter: OuraDateFilter): boolean {
  if (filter === 'end-exclusive') return start <= document.day && document.day < end;
  if (filter === 'start-exclusive') return start < document.day && document.day <= end;
  const reference = Date.parse(String(document.timestamp ?? document.bedtime_start));
  return Date.parse(`${start}T00:00:00Z`) <= reference && reference < Date.parse(`${end}T00:00:00Z`);
}
