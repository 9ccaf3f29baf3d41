/**
 * A fake Strava on loopback: the kit's `startFakeOAuthProvider` with Strava's OAuth answers, and
 * the API v3 `GET /api/v3/athlete/activities` serving each athlete (by the grant behind the access
 * token) their activities, with Strava's rate limits counted and reported on every answer.
 *
 * What it follows, and where it is written:
 * - https://developers.strava.com/docs/reference/#api-Activities-getLoggedInAthleteActivities:
 *   the query `before` / `after` (epoch seconds, compared with `start_date`), `page` (default 1)
 *   and `per_page` (default 30); the answer, a JSON array of `SummaryActivity` (`id`, `name`,
 *   `distance` m, `moving_time` / `elapsed_time` s, `total_elevation_gain` m, `type`, `sport_type`,
 *   `start_date` in UTC, `start_date_local` — the athlete's wall clock written with a `Z` —,
 *   `timezone`, `utc_offset`, `private`, `visibility`); errors as a `Fault`
 *   `{ message, errors: [{ resource, field, code }] }`: 401 "Authorization Error" for a bad token
 *   (`Athlete.access_token invalid`) or a grant without `activity:read` / `activity:read_all`
 *   (`AccessToken.activity:read_permission missing`). "Only You" activities need `activity:read_all`.
 * - https://developers.strava.com/docs/authentication/: scopes comma-separated; the token answer
 *   `{ token_type, access_token, expires_at, expires_in, refresh_token }` (no `scope`); access
 *   tokens for six hours; the refresh token may change on refresh and only the newest works
 *   (`rotate`, on by default); a refused refresh token is HTTP 400
 *   `{"message":"Bad Request","errors":[{"resource":"RefreshToken","field":"refresh_token","code":"invalid"}]}`,
 *   a wrong client (HTTP 400) `Application.client_id invalid`.
 * - https://developers.strava.com/docs/rate-limits/: per application, overall 200 / 15 min and
 *   2,000 / day, "non-upload" requests (every read; the `X-ReadRateLimit-*` headers) 100 / 15 min
 *   and 1,000 / day; 15-minute windows reset at :00, :15, :30 and :45, days at midnight UTC;
 *   "requests violating the short term limit will still count toward the long term limit" (so
 *   refused requests are counted here too); every answer carries `X-RateLimit-Limit`, `X-RateLimit-Usage`,
 *   `X-ReadRateLimit-Limit`, `X-ReadRateLimit-Usage` ("15-minute,daily"); over a limit, HTTP 429
 *   `{"message":"Rate Limit Exceeded","errors":[{"resource":"Application","field":"rate limit","code":"exceeded"}]}`.
 *   Windows follow `Date.now()`, so a test that sets the system clock moves the fake's windows too.
 */
import {
  type FakeOAuthProvider,
  type FakeOAuthProviderOptions,
  type FakeRequest,
  type FakeResponse,
  startFakeOAuthProvider,
} from '@life-stats/core/testing';

/** One activity of an athlete, as a test describes it. */
export interface FakeStravaActivity {
  /** The start, an ISO instant. */
  start: string;
  /** The athlete's IANA zone at the start: `start_date_local` is the start's wall clock there. @default the athlete's */
  timezone?: string;
  sportType?: string;
  /** Meters. @default 0 */
  distance?: number;
  /** Seconds. @default 0 */
  movingTime?: number;
  /** Meters. @default 0 */
  elevationGain?: number;
  /** `only_me`: served only with `activity:read_all`. @default 'everyone' */
  visibility?: 'everyone' | 'followers_only' | 'only_me';
}

/** One athlete: their zone and activities. */
export interface FakeStravaAthlete {
  /** @default 'UTC' */
  timezone?: string;
  activities: FakeStravaActivity[];
}

/** Strava's limits, per application. */
export interface FakeStravaLimits {
  /** @default 200 */
  overall15?: number;
  /** @default 2000 */
  overallDaily?: number;
  /** @default 100 */
  read15?: number;
  /** @default 1000 */
  readDaily?: number;
}

export interface FakeStravaOptions extends Omit<FakeOAuthProviderOptions, 'routes'> {
  /** Athletes by grant, named by its first refresh token (see the kit's `grantOf`). */
  athletes?: Record<string, FakeStravaAthlete>;
  /** The athlete of every grant not in `athletes`. */
  athlete?: FakeStravaAthlete;
  limits?: FakeStravaLimits;
  /** Called as each authorized API request arrives, before it is answered (e.g. to read the secrets file then). */
  onApi?: (request: FakeRequest) => void;
}

export interface FakeStrava extends FakeOAuthProvider {
  /** `${url}/`: an entry's `apiRootUrl`. */
  readonly apiRootUrl: string;
  /** Requests to `GET /api/v3/athlete/activities`. */
  apiRequests(): FakeRequest[];
  /**
   * Set the requests already counted in the current 15-minute window and day (another process or
   * app user spent them): `read15: 100` makes the next read a 429 until the window resets.
   */
  setUsage(usage: { read15?: number; readDaily?: number; overall15?: number; overallDaily?: number }): void;
  /** Answer the next `times` authorized API requests with `response` (a 5xx, an odd body). */
  injectApi(response: FakeResponse, times?: number): void;
}

const QUARTER_MS = 15 * 60_000;
const CONSENT_PATH = '/oauth/authorize';
const KIT_CONSENT_PATH = '/oauth/kit-consent';
const DAY_MS = 86_400_000;

function fault(status: number, message: string, resource: string, field: string, code: string): FakeResponse {
  return { status, json: { message, errors: [{ resource, field, code }] } };
}

/** `2026-11-20T23:30:00Z` for an instant whose wall clock in `zone` is 23:30 on the 20th. */
function wallClock(instant: Date, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}Z`;
}

/** The activity as Strava's `SummaryActivity`. */
function summaryActivity(activity: FakeStravaActivity, id: number, athleteZone: string) {
  const start = new Date(activity.start);
  const zone = activity.timezone ?? athleteZone;
  const local = wallClock(start, zone);
  const offsetSeconds = Math.round((Date.parse(local) - start.getTime()) / 1000);
  const sport = activity.sportType ?? 'Run';
  const visibility = activity.visibility ?? 'everyone';
  return {
    resource_state: 2,
    athlete: { id: 1, resource_state: 1 },
    id,
    name: `${sport} ${local.slice(0, 10)}`,
    distance: activity.distance ?? 0,
    moving_time: activity.movingTime ?? 0,
    elapsed_time: Math.round((activity.movingTime ?? 0) * 1.1),
    total_elevation_gain: activity.elevationGain ?? 0,
    // `type` is the deprecated coarse type: TrailRun and VirtualRun were `Run`, rides `Ride`.
    type: /Run$/.test(sport) ? 'Run' : /Ride$/.test(sport) ? 'Ride' : sport,
    sport_type: sport,
    start_date: start.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    start_date_local: local,
    timezone: `(GMT${offsetSeconds >= 0 ? '+' : '-'}${String(Math.floor(Math.abs(offsetSeconds) / 3600)).padStart(2, '0')}:${String(Math.floor((Math.abs(offsetSeconds) % 3600) / 60)).padStart(2, '0')}) ${zone}`,
    utc_offset: offsetSeconds,
    private: visibility === 'only_me',
    visibility,
    manual: false,
  };
}

/** Start the fake Strava on 127.0.0.1. */
export async function startFakeStrava(options: FakeStravaOptions = {}): Promise<FakeStrava> {
  const limits = { overall15: 200, overallDaily: 2000, read15: 100, readDaily: 1000, ...options.limits };
  const athletes = new Map(Object.entries(options.athletes ?? {}));
  const fallback: FakeStravaAthlete = options.athlete ?? { activities: [] };
  const injected: { response: FakeResponse; left: number }[] = [];
  // Usage by window: the key is the window's start, so a new window starts at zero.
  const usage = { quarter: 0, day: 0, read15: 0, readDaily: 0, overall15: 0, overallDaily: 0 };
  let provider: FakeOAuthProvider | undefined;

  const roll = () => {
    const now = Date.now();
    const quarter = Math.floor(now / QUARTER_MS);
    const day = Math.floor(now / DAY_MS);
    if (quarter !== usage.quarter) Object.assign(usage, { quarter, read15: 0, overall15: 0 });
    if (day !== usage.day) Object.assign(usage, { day, readDaily: 0, overallDaily: 0 });
  };
  const limitHeaders = (): Record<string, string> => ({
    'x-ratelimit-limit': `${limits.overall15},${limits.overallDaily}`,
    'x-ratelimit-usage': `${usage.overall15},${usage.overallDaily}`,
    'x-readratelimit-limit': `${limits.read15},${limits.readDaily}`,
    'x-readratelimit-usage': `${usage.read15},${usage.readDaily}`,
  });
  const withLimits = (response: FakeResponse): FakeResponse => ({
    ...response,
    headers: { ...limitHeaders(), ...response.headers },
  });

  const activities = (request: FakeRequest): FakeResponse => {
    if (!provider?.authorized(request)) {
      return fault(401, 'Authorization Error', 'Athlete', 'access_token', 'invalid');
    }
    options.onApi?.(request);
    roll();
    // Strava counts every request, those it refuses included.
    usage.read15++;
    usage.readDaily++;
    usage.overall15++;
    usage.overallDaily++;
    const spent =
      usage.read15 > limits.read15 ||
      usage.readDaily > limits.readDaily ||
      usage.overall15 > limits.overall15 ||
      usage.overallDaily > limits.overallDaily;
    if (spent) return withLimits(fault(429, 'Rate Limit Exceeded', 'Application', 'rate limit', 'exceeded'));
    const grant = provider.grantOf(request) ?? '';
    const scopes = options.grants?.[grant];
    const readAll = scopes === undefined || scopes.includes('activity:read_all');
    if (scopes !== undefined && !readAll && !scopes.includes('activity:read')) {
      return withLimits(fault(401, 'Authorization Error', 'AccessToken', 'activity:read_permission', 'missing'));
    }
    const next = injected[0];
    if (next) {
      next.left -= 1;
      if (next.left <= 0) injected.shift();
      return withLimits(next.response);
    }
    const q = request.query;
    const numbers: Record<string, number | undefined> = {};
    for (const name of ['before', 'after', 'page', 'per_page'] as const) {
      const value = q[name];
      if (value === undefined) continue;
      if (!/^\d+$/.test(value)) return withLimits(fault(400, 'Bad Request', 'Activity', name, 'invalid'));
      numbers[name] = Number(value);
    }
    const page = Math.max(1, numbers.page ?? 1);
    const perPage = Math.min(200, Math.max(1, numbers.per_page ?? 30));
    const athlete = athletes.get(grant) ?? fallback;
    const zone = athlete.timezone ?? 'UTC';
    const matching = athlete.activities
      .map((a, i) => ({ a, id: 1000 + i, at: Date.parse(a.start) / 1000 }))
      .filter(({ a }) => readAll || a.visibility !== 'only_me')
      .filter(
        ({ at }) =>
          (numbers.after === undefined || at > numbers.after) && (numbers.before === undefined || at < numbers.before),
      )
      // With `after`, oldest first; otherwise newest first.
      .sort((x, y) => (numbers.after === undefined ? y.at - x.at : x.at - y.at));
    const slice = matching.slice((page - 1) * perPage, page * perPage);
    return withLimits({ json: slice.map(({ a, id }) => summaryActivity(a, id, zone)) });
  };

  // Strava's redirect reports the scopes the athlete accepted, comma-separated: `read` (always
  // granted) and those asked for (this fake's athlete accepts every one).
  const consent = async (request: FakeRequest): Promise<FakeResponse> => {
    const query = new URLSearchParams(request.query).toString();
    const answer = await fetch(`${provider?.url}${KIT_CONSENT_PATH}?${query}`, { redirect: 'manual' });
    const location = answer.headers.get('location');
    if (!location) return { status: answer.status, body: await answer.text() };
    const target = new URL(location);
    if (target.searchParams.has('code')) {
      const asked = (request.query.scope ?? '').split(',').filter(Boolean);
      target.searchParams.set('scope', [...new Set(['read', ...asked])].join(','));
    }
    return { status: 302, headers: { location: target.href } };
  };

  const started = await startFakeOAuthProvider({
    rotate: true,
    accessTokenTtl: 21_600,
    pkce: false,
    scopeSeparator: ',',
    reportScope: false,
    ...options,
    errorShape: (e) => {
      if (e.error === 'invalid_grant') {
        const resource = /code/i.test(e.description) ? 'AuthorizationCode' : 'RefreshToken';
        return fault(400, 'Bad Request', resource, resource === 'RefreshToken' ? 'refresh_token' : 'code', 'invalid');
      }
      if (e.error === 'invalid_client') return fault(400, 'Bad Request', 'Application', 'client_id', 'invalid');
      return fault(400, 'Bad Request', 'Request', e.error, 'invalid');
    },
    tokenShape: (body) => ({
      json: {
        token_type: body.token_type,
        access_token: body.access_token,
        expires_at: Math.floor(Date.now() / 1000) + body.expires_in,
        expires_in: body.expires_in,
        ...(body.refresh_token ? { refresh_token: body.refresh_token } : {}),
      },
    }),
    // The kit's consent page, behind Strava's own (below), which adds what Strava's redirect carries.
    paths: { authorize: KIT_CONSENT_PATH },
    routes: {
      'GET /api/v3/athlete/activities': activities,
      [`GET ${CONSENT_PATH}`]: consent,
    },
  });
  provider = started;
  return Object.assign(started, {
    authUrl: `${started.url}${CONSENT_PATH}`,
    apiRootUrl: `${started.url}/`,
    apiRequests: () => started.requests.filter((r) => r.path === '/api/v3/athlete/activities'),
    setUsage(next: { read15?: number; readDaily?: number; overall15?: number; overallDaily?: number }) {
      roll();
      Object.assign(usage, next);
    },
    injectApi(response: FakeResponse, times = 1) {
      injected.push({ response, left: times });
    },
  });
}
