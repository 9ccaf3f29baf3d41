/*
 * Over 300 lines on purpose: it is one fake of one API surface — the request checks, the roll-up
 * of ten data types, sleep sessions and their filter, the error bodies — which tests read together.
 */
/**
 * The Google Health API v4 data of the fake Google (`fake-google.ts` routes every
 * `/v4/users/me/dataTypes/…` request here): `dataPoints:dailyRollUp` of every roll-up data type
 * the `google-health` plugins read, and the sleep sessions of `dataPoints:reconcile` / `dataPoints`
 * (list), computed from records the test gives, in the shapes the reference documents:
 *
 * - developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints/dailyRollUp
 *   (`DailyRollUpDataPointsRequest`: closed-open civil `range` aligned with the window, at most
 *   90 days — 14 for `heart-rate`, `active-minutes`, `total-calories`; `pageSize` default 90, max
 *   10000; `pageToken` only with an otherwise identical request; `DailyRollupDataPoint` fields);
 * - developers.google.com/health/reference/rest/v4/users.dataTypes.dataPoints/reconcile and /list
 *   (`filter` per developers.google.com/health/filters: `sleep.interval.civil_end_time` with `>=`
 *   and `<` only; sleep pages of at most 25, newest session first; `Sleep` with `interval`,
 *   `metadata`, `summary`, `stages`);
 * - developers.google.com/health/data-presence-and-true-zeros (a worn, idle day is a 0; a day
 *   without a worn device has no data — served as a point without the value or no point at all);
 * - developers.google.com/health/reference/rest/v4/errors and /health/troubleshooting (the error
 *   bodies of {@link accountNotLinked}, {@link resourcePermissionDenied}, {@link insufficientScopes}).
 *
 * Civil days are computed here from each record's own zone with `Intl`, independently of core's
 * date helpers, so a mistake in the plugin or in core shows in the numbers.
 */
import type { FakeRequest, FakeResponse } from '@life-stats/core/testing';

/** A roll-up data type the fake serves, by its kebab-case `dataType`. */
export type FakeRollupType =
  | 'steps'
  | 'distance'
  | 'floors'
  | 'active-energy-burned'
  | 'total-calories'
  | 'active-minutes'
  | 'heart-rate'
  | 'weight'
  | 'body-fat'
  | 'hydration-log';

/**
 * One measurement, in the API's own unit: steps and floors as counts, distance in millimetres,
 * energy in kcal, active minutes in minutes (with their `activityLevel`), heart rate in bpm, weight
 * in grams, body fat in percent, water in millilitres.
 */
export interface HealthRecord {
  type: FakeRollupType;
  /** An ISO instant or epoch milliseconds. */
  at: string | number;
  value: number;
  /** The zone the device was in: it decides the civil day. @default the fake's zone */
  timeZone?: string;
  /** `active-minutes` only. @default 'MODERATE' */
  activityLevel?: 'LIGHT' | 'MODERATE' | 'VIGOROUS';
  /** Only the user of this refresh token sees the record. @default every user */
  grant?: string;
}

/** One sleep session as a device records it. */
export interface SleepRecord {
  /** ISO instants or epoch milliseconds. */
  start: string | number;
  end: string | number;
  /** The minutes asleep Google's summary reports (`summary.minutesAsleep`). */
  minutesAsleep: number;
  /** @default false */
  nap?: boolean;
  /** The zone the user slept in: decides the civil end date. @default the fake's zone */
  timeZone?: string;
  /** Only the user of this refresh token sees the session. @default every user */
  grant?: string;
  /** Serve the session without `summary` (not processed yet), with these stages instead. */
  stagesOnly?: { type: string; start: string | number; end: string | number }[];
}

/** What the Health part of the fake holds and how it answers. */
export interface FakeHealthOptions {
  /** Records of every roll-up type except steps (steps come from the fake's `steps`). */
  records?: HealthRecord[];
  sleeps?: SleepRecord[];
  /** The `pageSize` Google uses when a roll-up request gives none. @default 90 (documented) */
  rollupPageSize?: number;
  /** Serve every sleep session whatever the filter says (a proxy that ignores it). @default false */
  ignoreSleepFilter?: boolean;
}

/** What fake-google hands over so both share one store of step samples and one zone. */
export interface HealthServeContext {
  defaultZone: string;
  emptyDays: 'no-value' | 'omit';
  /** The step samples of the fake (`StepSample`), read at each request. */
  steps: () => readonly { at: string | number; steps: number; timeZone?: string }[];
  /** The refresh token whose access token the request presented (whose data it is). */
  grant: string | undefined;
}

/** The documented body of a Google API error with an `ErrorInfo` detail. */
function healthError(code: number, status: string, message: string, reason: string, legacy?: string): FakeResponse {
  return {
    status: code,
    json: {
      error: {
        code,
        message,
        status,
        errors: legacy ? [{ message, domain: 'global', reason: legacy }] : [],
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason,
            domain: 'health.googleapis.com',
            metadata: { service: 'health.googleapis.com' },
          },
        ],
      },
    },
  };
}

/** 400 `ACCOUNT_NOT_LINKED`: the Google account has no Google Health (Fitbit) profile. */
export const accountNotLinked = (): FakeResponse =>
  healthError(400, 'FAILED_PRECONDITION', 'The account is not linked to Google Health.', 'ACCOUNT_NOT_LINKED');

/** 403 `RESOURCE_PERMISSION_DENIED`: the grant does not reach this user's data. */
export const resourcePermissionDenied = (): FakeResponse =>
  healthError(403, 'PERMISSION_DENIED', 'The caller does not have permission.', 'RESOURCE_PERMISSION_DENIED');

/** 403 for an access token without the data type's scope. */
export const insufficientScopes = (): FakeResponse =>
  healthError(
    403,
    'PERMISSION_DENIED',
    'Request had insufficient authentication scopes.',
    'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
    'insufficientPermissions',
  );

/** Which scope each data type's reads need (developers.google.com/health/data-types). */
const SCOPE_OF: Record<FakeRollupType | 'sleep', string> = {
  steps: 'activity_and_fitness',
  distance: 'activity_and_fitness',
  floors: 'activity_and_fitness',
  'active-energy-burned': 'activity_and_fitness',
  'total-calories': 'activity_and_fitness',
  'active-minutes': 'activity_and_fitness',
  'heart-rate': 'health_metrics_and_measurements',
  weight: 'health_metrics_and_measurements',
  'body-fat': 'health_metrics_and_measurements',
  'hydration-log': 'nutrition',
  sleep: 'sleep',
};
const scopeUrl = (name: string) => `https://www.googleapis.com/auth/googlehealth.${name}.readonly`;

const SHORT_RANGE = new Set(['heart-rate', 'active-minutes', 'total-calories']);
const DAY_MS = 86_400_000;
const PATH_RE = /^\/v4\/users\/me\/dataTypes\/([a-z-]+)\/dataPoints(:dailyRollUp|:reconcile)?$/;

/** Is this a Google Health API data point request? */
export const isHealthPath = (path: string): boolean => PATH_RE.test(path);

const formatters = new Map<string, Intl.DateTimeFormat>();
/** `YYYY-MM-DDTHH:mm:ss` of an instant on the wall clock of a zone, straight from `Intl`. */
function wallClock(ms: number, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

const toMs = (at: string | number) => (typeof at === 'number' ? at : Date.parse(at));
const dateOf = (ms: number, zone: string) => wallClock(ms, zone).slice(0, 10);

function civil(date: string) {
  const [year, month, day] = date.split('-').map(Number);
  return { year, month, day };
}

function civilDateTime(wall: string) {
  const [date, time] = wall.split('T') as [string, string];
  const [hours, minutes, seconds] = time.split(':').map(Number);
  return { date: civil(date), time: { hours, minutes, seconds } };
}

/** The zone's UTC offset at an instant as a protobuf Duration (`"-18000s"`). */
function utcOffset(ms: number, zone: string): string {
  const wall = Date.parse(`${wallClock(ms, zone)}Z`);
  return `${Math.round((wall - Math.floor(ms / 1000) * 1000) / 1000)}s`;
}

function parseDate(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { year, month, day } = value as Record<string, unknown>;
  if (typeof year !== 'number' || typeof month !== 'number' || typeof day !== 'number') return undefined;
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const nextDate = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

function invalid(message: string, reason = 'INVALID_ARGUMENT'): FakeResponse {
  return healthError(400, 'INVALID_ARGUMENT', message, reason, 'badRequest');
}

/** The `DailyRollupDataPoint` value field of one civil day's records of `type`. */
function rollupValue(type: FakeRollupType, values: { value: number; level?: string }[]): Record<string, unknown> {
  const sum = values.reduce((s, v) => s + v.value, 0);
  const avg = sum / values.length;
  switch (type) {
    case 'steps':
      return { steps: { countSum: String(sum) } };
    case 'distance':
      return { distance: { millimetersSum: String(sum) } };
    case 'floors':
      return { floors: { countSum: String(sum) } };
    case 'active-energy-burned':
      return { activeEnergyBurned: { kcalSum: sum } };
    case 'total-calories':
      return { totalCalories: { kcalSum: sum } };
    case 'hydration-log':
      return { hydrationLog: { amountConsumed: { millilitersSum: sum, userProvidedUnitLast: 'MILLILITER' } } };
    case 'heart-rate':
      return {
        heartRate: {
          beatsPerMinuteAvg: avg,
          beatsPerMinuteMin: Math.min(...values.map((v) => v.value)),
          beatsPerMinuteMax: Math.max(...values.map((v) => v.value)),
        },
      };
    case 'weight':
      return { weight: { weightGramsAvg: avg } };
    case 'body-fat':
      return { bodyFat: { bodyFatPercentageAvg: avg } };
    case 'active-minutes': {
      const byLevel = new Map<string, number>();
      for (const v of values) byLevel.set(v.level ?? 'MODERATE', (byLevel.get(v.level ?? 'MODERATE') ?? 0) + v.value);
      return {
        activeMinutes: {
          activeMinutesRollupByActivityLevel: [...byLevel].map(([activityLevel, minutes]) => ({
            activityLevel,
            activeMinutesSum: String(minutes),
          })),
        },
      };
    }
  }
}

/** The Health part of the fake: holds its records and answers its requests. */
export interface FakeHealth {
  /** Answer a request whose path {@link isHealthPath} accepted (authorization already checked). */
  serve(request: FakeRequest, context: HealthServeContext): FakeResponse;
  addRecords(records: HealthRecord[]): void;
  addSleeps(sleeps: SleepRecord[]): void;
  /** Remember whose grant an access token the token endpoint just issued belongs to; returns `response`. */
  noteGrant(request: FakeRequest, response: FakeResponse): FakeResponse;
  /** The refresh token behind the access token of an `Authorization: Bearer …` header. */
  grantOf(authorization: string | string[] | undefined): string | undefined;
  /** From now on the grant lacks `googlehealth.<name>.readonly`: reads that need it answer 403 insufficient scopes. */
  denyScope(name: 'activity_and_fitness' | 'health_metrics_and_measurements' | 'nutrition' | 'sleep'): void;
}

/** Create the Health part of a fake Google. */
export function createFakeHealth(options: FakeHealthOptions = {}): FakeHealth {
  const records: HealthRecord[] = [...(options.records ?? [])];
  const sleeps: SleepRecord[] = [...(options.sleeps ?? [])];
  const denied = new Set<string>();
  const grants = new Map<string, string>();
  const defaultPageSize = options.rollupPageSize ?? 90;

  const rollup = (type: FakeRollupType, request: FakeRequest, context: HealthServeContext): FakeResponse => {
    const body = (request.json ?? {}) as Record<string, unknown>;
    const range = (body.range ?? {}) as { start?: Record<string, unknown>; end?: Record<string, unknown> };
    const from = parseDate(range.start?.date);
    const to = parseDate(range.end?.date);
    if (!from || !to || to <= from) return invalid('range.start and range.end must be civil dates, start before end');
    const aligned = (time: unknown) =>
      time === undefined || Object.values(time as Record<string, unknown>).every((v) => v === 0 || v === undefined);
    if (!aligned(range.start?.time) || !aligned(range.end?.time)) {
      return invalid('The start and end times must be aligned with the aggregation window.');
    }
    if ((body.windowSizeDays ?? 1) !== 1) return invalid('this fake serves windows of 1 day');
    const days: string[] = [];
    for (let d = from; d < to; d = nextDate(d)) days.push(d);
    const max = SHORT_RANGE.has(type) ? 14 : 90;
    if (days.length > max) return invalid(`The maximum range for ${type} is ${max} days.`);

    const byDay = new Map<string, { value: number; level?: string }[]>();
    const add = (ms: number, zone: string, value: { value: number; level?: string }) => {
      const day = dateOf(ms, zone);
      byDay.set(day, [...(byDay.get(day) ?? []), value]);
    };
    if (type === 'steps') {
      for (const s of context.steps()) add(toMs(s.at), s.timeZone ?? context.defaultZone, { value: s.steps });
    } else {
      for (const r of records.filter((r) => r.type === type && (!r.grant || r.grant === context.grant))) {
        add(toMs(r.at), r.timeZone ?? context.defaultZone, {
          value: r.value,
          ...(r.activityLevel ? { level: r.activityLevel } : {}),
        });
      }
    }
    const points = days.flatMap((day) => {
      const window = {
        civilStartTime: { date: civil(day), time: {} },
        civilEndTime: { date: civil(nextDate(day)), time: {} },
      };
      const values = byDay.get(day);
      if (!values) return context.emptyDays === 'omit' ? [] : [window];
      return [{ ...window, ...rollupValue(type, values) }];
    });

    // Paging: the token names the request it belongs to, as Google requires the same request again.
    const pageSize = Math.min(Number(body.pageSize ?? defaultPageSize) || defaultPageSize, 10_000);
    const key = JSON.stringify([type, from, to, body.windowSizeDays ?? 1, body.pageSize ?? null]);
    let offset = 0;
    if (typeof body.pageToken === 'string') {
      const token = JSON.parse(Buffer.from(body.pageToken, 'base64url').toString('utf8')) as [string, number];
      if (token[0] !== key) return invalid('The page token does not match the request.');
      offset = token[1];
    }
    const page = points.slice(offset, offset + pageSize);
    const next = offset + pageSize < points.length ? offset + pageSize : undefined;
    return {
      json: {
        rollupDataPoints: page,
        ...(next === undefined
          ? {}
          : { nextPageToken: Buffer.from(JSON.stringify([key, next])).toString('base64url') }),
      },
    };
  };

  const sleepPoints = (request: FakeRequest, context: HealthServeContext): FakeResponse => {
    const filter = request.query.filter ?? '';
    const match =
      /^sleep\.interval\.civil_end_time >= "(\d{4}-\d{2}-\d{2}(?:T[\d:]+)?)" AND sleep\.interval\.civil_end_time < "(\d{4}-\d{2}-\d{2}(?:T[\d:]+)?)"$/.exec(
        filter,
      );
    if (filter && !match) return invalid(`Invalid filter: ${filter}`, 'INVALID_DATA_POINT_FILTER');
    const pageSize = Math.min(Number(request.query.pageSize ?? 25) || 25, 25);
    const sessions = sleeps
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => !s.grant || s.grant === context.grant)
      .map(({ s, i }) => {
        const zone = s.timeZone ?? context.defaultZone;
        const start = toMs(s.start);
        const end = toMs(s.end);
        return { s, i, zone, start, end, civilEnd: wallClock(end, zone) };
      })
      .filter((x) => options.ignoreSleepFilter || !match || (x.civilEnd >= match[1]! && x.civilEnd < match[2]!))
      .sort((a, b) => b.start - a.start); // newest first, as documented for list
    const offset = Number(request.query.pageToken ?? 0) || 0;
    const page = sessions.slice(offset, offset + pageSize);
    const dataPoints = page.map(({ s, i, zone, start, end, civilEnd }) => ({
      name: `users/me/dataTypes/sleep/dataPoints/fake-sleep-${i + 1}`,
      dataSource: { recordingMethod: 'DERIVED', platform: 'FITBIT', device: { displayName: 'Pixel Watch 4' } },
      sleep: {
        interval: {
          startTime: new Date(start).toISOString(),
          endTime: new Date(end).toISOString(),
          startUtcOffset: utcOffset(start, zone),
          endUtcOffset: utcOffset(end, zone),
          civilStartTime: civilDateTime(wallClock(start, zone)),
          civilEndTime: civilDateTime(civilEnd),
        },
        type: s.stagesOnly ? 'STAGES' : s.nap ? 'CLASSIC' : 'STAGES',
        metadata: { nap: s.nap ?? false, mainSleep: !s.nap, processed: !s.stagesOnly },
        ...(s.stagesOnly
          ? {
              stages: s.stagesOnly.map((st) => ({
                type: st.type,
                startTime: new Date(toMs(st.start)).toISOString(),
                endTime: new Date(toMs(st.end)).toISOString(),
              })),
            }
          : {
              summary: {
                minutesAsleep: String(s.minutesAsleep),
                minutesAwake: String(Math.max(0, Math.round((end - start) / 60_000) - s.minutesAsleep)),
                minutesInSleepPeriod: String(Math.round((end - start) / 60_000)),
              },
            }),
      },
    }));
    const next = offset + pageSize < sessions.length ? String(offset + pageSize) : undefined;
    return { json: { dataPoints, ...(next ? { nextPageToken: next } : {}) } };
  };

  return {
    serve(request, context) {
      const [, dataType = '', method = ''] = PATH_RE.exec(request.path) ?? [];
      const scope = SCOPE_OF[dataType as FakeRollupType | 'sleep'];
      if (!scope)
        return invalid(`The data type ID ${dataType} is not supported.`, 'INVALID_PARENT_DATA_TYPE_COLLECTION');
      if (denied.has(scopeUrl(scope))) return insufficientScopes();
      if (method === ':dailyRollUp' && request.method === 'POST' && dataType !== 'sleep') {
        return rollup(dataType as FakeRollupType, request, context);
      }
      if (dataType === 'sleep' && request.method === 'GET' && method !== ':dailyRollUp') {
        return sleepPoints(request, context);
      }
      return invalid(`this fake does not serve ${request.method} ${request.path}`);
    },
    noteGrant(request, response) {
      const form = request.form ?? {};
      const json = response.json as { access_token?: unknown; refresh_token?: unknown } | undefined;
      const refresh = typeof json?.refresh_token === 'string' ? json.refresh_token : form.refresh_token;
      if (typeof json?.access_token === 'string' && refresh) grants.set(json.access_token, refresh);
      return response;
    },
    grantOf(authorization) {
      const header = Array.isArray(authorization) ? authorization[0] : authorization;
      return header?.startsWith('Bearer ') ? grants.get(header.slice(7)) : undefined;
    },
    addRecords: (more) => {
      records.push(...more);
    },
    addSleeps: (more) => {
      sleeps.push(...more);
    },
    denyScope: (name) => {
      denied.add(scopeUrl(name));
    },
  };
}
