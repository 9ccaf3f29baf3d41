/*
 * Over 300 lines on purpose: one fake of one provider — its OAuth quirks (the envelope, rotation
 * with a grace period), two services with their filters and paging, and who owns which data — read
 * together by the tests.
 */
/**
 * A fake Withings Public API on loopback, on the kit's `startFakeOAuthProvider`, serving the shapes
 * the reference documents (developer.withings.com/api-reference) from data the test gives:
 *
 * - "OAuth 2.0 - Authorization URL" (`GET /oauth2_user/authorize2`, scopes joined by `,`) and
 *   "OAuth 2.0 - Request Access and Refresh Tokens" (`POST /v2/oauth2`, `action=requesttoken`, the
 *   client in the form): HTTP 200 `{ status: 0, body: { userid, access_token, refresh_token,
 *   expires_in: 10800, scope, token_type } }`; a refused grant is HTTP 200 `{ status: 503, body: {},
 *   error: 'Invalid Params: invalid refresh_token' }` (field reports: jaroslawhartman/withings-sync#41,
 *   home-assistant/core#105223; the FAQ's "Invalid Params: invalid code").
 * - Rotation as the developer guide's "Access and refresh tokens" says: every refresh returns a new
 *   refresh token, and the old one "expires 8 hours after new issuance or once the new access_token
 *   is used" — the fake keeps it alive until the new access token reaches the API (the 8 hours are
 *   not modelled).
 * - "Measure - Getmeas" (`POST /measure`, `action=getmeas`): `meastype`/`meastypes`, `category`,
 *   `startdate`/`enddate` (UNIX seconds, inclusive), `offset` paging with `more: 1|0`; measure
 *   groups `{ grpid, attrib, date, created, modified, category, measures: [{ value, type, unit }] }`
 *   and the body's `updatetime`, `timezone`.
 * - "Measure v2 - Getactivity" (`POST /v2/measure`, `action=getactivity`): `startdateymd` /
 *   `enddateymd` (inclusive here: the reference does not say), `data_fields` (a field is sent only
 *   when asked for), `offset` paging with `more: true|false`; activities `{ date, timezone, brand,
 *   is_tracker, modified, steps, distance, … }`.
 * - "Response Status": a refused access token is HTTP 200 `{ status: 401, body: {}, error:
 *   'XRequestID: Not provided invalid_token: The access token provided is invalid' }` (as
 *   PipedreamHQ/pipedream#4566 records it); 601 "Too many request", 503 "Invalid Params", 2554 "Not
 *   implemented" for an unknown action.
 *
 * Each Withings user owns their data: an access token serves the user whose grant it came from.
 */
import {
  type FakeOAuthProvider,
  type FakeOAuthProviderOptions,
  type FakeRequest,
  type FakeResponse,
  startFakeOAuthProvider,
} from '@life-stats/core/testing';

/** One weighing or body-composition measure, in real units (the fake encodes `value` and `unit`). */
export interface FakeMeasure {
  /** When it was taken: an ISO instant or epoch milliseconds. */
  at: string | number;
  /** kg (`meastype` 1). */
  weight?: number;
  /** % (`meastype` 6). */
  fatRatio?: number;
  /** The decimal exponent Withings sends each value with. @default weight -3, fat ratio -2 */
  units?: { weight?: number; fatRatio?: number };
  /** @default 1 (a real measure; 2 = a user objective) */
  category?: number;
  /** @default 0 (a device's measure, known to be this user's; 1 = ambiguous) */
  attrib?: number;
  grpid?: number;
}

/** One day's activity aggregate, as Withings computed it. */
export interface FakeActivity {
  /** The civil day, `YYYY-MM-DD`. */
  date: string;
  steps?: number;
  /** Metres. */
  distance?: number;
  /** @default the user's zone */
  timezone?: string;
  /** UNIX seconds. @default noon UTC of the date */
  modified?: number;
}

/** A Withings user of the fake. */
export interface FakeWithingsUser {
  /** Refresh tokens of this user's grants accepted from the start. */
  refreshTokens: string[];
  /** @default ['user.info', 'user.metrics', 'user.activity'] */
  scopes?: readonly string[];
  /** @default 'Europe/Paris' */
  timezone?: string;
  measures?: FakeMeasure[];
  activities?: FakeActivity[];
}

export interface FakeWithingsOptions
  extends Pick<FakeOAuthProviderOptions, 'clientId' | 'clientSecret' | 'accessTokenTtl'> {
  /** Withings users by `userid`. */
  users?: Record<string, FakeWithingsUser>;
  /** The user a consent in the browser connects. @default the first user */
  consentUser?: string;
  /** Items per page of both services. @default 200 */
  pageSize?: number;
}

/** An answer of the fake's API, in Withings' envelope. */
export interface FakeEnvelope {
  status: number;
  body?: unknown;
  error?: string;
}

export interface FakeWithings extends FakeOAuthProvider {
  /** `${url}/`: the plugin's `apiRootUrl` (the token endpoint is `${url}/v2/oauth2`). */
  readonly apiRootUrl: string;
  /** Requests to Getmeas and Getactivity, in order. */
  apiRequests(service?: 'measure' | 'v2/measure'): FakeRequest[];
  /** Requests to `/v2/oauth2`. */
  tokenRequests(): FakeRequest[];
  /** The Withings user a refresh token belongs to. */
  userOf(refreshToken: string): string | undefined;
  /** Answer the next `times` API requests with this envelope (HTTP 200), e.g. `{ status: 601 }`. */
  injectApi(envelope: FakeEnvelope, times?: number): void;
  /** Answer the next `times` API requests with this HTTP response (a proxy's, an outage's). */
  injectApiResponse(response: FakeResponse, times?: number): void;
  /** Called as each API request arrives, before it is answered. */
  onApi?: (request: FakeRequest) => void;
}

const DAY_S = 86_400;
const INVALID_TOKEN = 'XRequestID: Not provided invalid_token: The access token provided is invalid';
const DEFAULT_SCOPES = ['user.info', 'user.metrics', 'user.activity'];
const DEFAULT_UNITS = { weight: -3, fatRatio: -2 };

const epochSeconds = (at: string | number): number => Math.floor((typeof at === 'number' ? at : Date.parse(at)) / 1000);

/** A real value as Withings sends it: an integer `value` and its decimal exponent `unit`. */
function encode(real: number, unit: number): { value: number; unit: number } {
  return { value: Math.round(real * 10 ** -unit), unit };
}

const envelope = (status: number, body: unknown = {}, error?: string): FakeResponse => ({
  json: { status, body, ...(error === undefined ? {} : { error }) },
});

/** Start the fake Withings on 127.0.0.1. */
export async function startFakeWithings(options: FakeWithingsOptions = {}): Promise<FakeWithings> {
  const users = options.users ?? {};
  const pageSize = options.pageSize ?? 200;
  const consentUser = options.consentUser ?? Object.keys(users)[0];
  const userOfRefresh = new Map<string, string>();
  const userOfAccess = new Map<string, string>();
  for (const [id, user] of Object.entries(users)) for (const token of user.refreshTokens) userOfRefresh.set(token, id);
  // The old refresh token of each rotation, kept alive until its successor's access token is used.
  const retireOnUse = new Map<string, string>();
  const injected: { response: FakeResponse; left: number }[] = [];
  let provider: FakeOAuthProvider | undefined;
  let known = new Set(userOfRefresh.keys());
  let fake: FakeWithings | undefined;

  const scopesOf = (id: string | undefined) => (id ? (users[id]?.scopes ?? DEFAULT_SCOPES) : DEFAULT_SCOPES);

  /**
   * The kit issued tokens: find which grant (the refresh token it just retired, if any), keep the
   * retired one alive as Withings does, and wrap the answer in Withings' envelope.
   */
  const tokenShape: FakeOAuthProviderOptions['tokenShape'] = (body) => {
    const live = new Set(provider?.liveRefreshTokens() ?? []);
    const retired = [...known].filter((token) => !live.has(token));
    let userid: string | undefined;
    if (body.refresh_token && retired.length === 1) {
      const old = retired[0] as string;
      userid = userOfRefresh.get(old);
      provider?.addGrant(old, scopesOf(userid));
      retireOnUse.set(body.access_token, old);
    } else if (body.refresh_token) {
      userid = consentUser;
    }
    if (body.refresh_token && userid) userOfRefresh.set(body.refresh_token, userid);
    if (userid) userOfAccess.set(body.access_token, userid);
    known = new Set(provider?.liveRefreshTokens() ?? []);
    return envelope(0, { userid: userid ?? '0', ...body, csrf_token: 'fake-csrf' });
  };

  /** The Withings error answer of each refusal of the kit's token endpoint. */
  const errorShape: FakeOAuthProviderOptions['errorShape'] = (e) => {
    if (e.error === 'invalid_grant') {
      return envelope(
        503,
        {},
        /code/i.test(e.description) ? 'Invalid Params: invalid code' : 'Invalid Params: invalid refresh_token',
      );
    }
    if (e.error === 'invalid_client') return envelope(503, {}, 'Invalid Params: invalid client_id');
    return envelope(503, {}, `Invalid Params: ${e.description}`);
  };

  /** The Withings user an API request is for, or `undefined` when its token is refused. */
  const caller = (request: FakeRequest): string | undefined => {
    if (!provider?.authorized(request)) return undefined;
    const token = String(request.headers.authorization).slice('Bearer '.length);
    const old = retireOnUse.get(token);
    if (old) {
      // "Once the new access_token is used", the refresh token it replaced stops working.
      provider.revoke(old);
      retireOnUse.delete(token);
      known.delete(old);
    }
    return userOfAccess.get(token);
  };

  const params = (request: FakeRequest): Record<string, string> => ({ ...request.query, ...request.form });

  const page = <T>(items: T[], offset: number) => {
    const slice = items.slice(offset, offset + pageSize);
    const more = offset + pageSize < items.length;
    return { slice, more, next: offset + pageSize };
  };

  const getmeas = (user: FakeWithingsUser, q: Record<string, string>): FakeResponse => {
    const types = (q.meastypes ?? q.meastype ?? '').split(',').filter(Boolean).map(Number);
    const start = q.startdate === undefined ? Number.NEGATIVE_INFINITY : Number(q.startdate);
    const end = q.enddate === undefined ? Number.POSITIVE_INFINITY : Number(q.enddate);
    if (Number.isNaN(start) || Number.isNaN(end)) return envelope(503, {}, 'Invalid Params');
    const groups = (user.measures ?? [])
      .map((m, i) => {
        const date = epochSeconds(m.at);
        const units = { ...DEFAULT_UNITS, ...m.units };
        const measures = [
          ...(m.weight === undefined ? [] : [{ type: 1, ...encode(m.weight, units.weight), algo: 0, fm: 3 }]),
          ...(m.fatRatio === undefined ? [] : [{ type: 6, ...encode(m.fatRatio, units.fatRatio), algo: 0, fm: 3 }]),
          // Other measures of a body-composition scale, which must not be read as weight or fat.
          ...(m.weight === undefined ? [] : [{ type: 8, ...encode(m.weight / 5, -2), algo: 0, fm: 3 }]),
          ...(m.weight === undefined ? [] : [{ type: 76, ...encode(m.weight / 2, -2), algo: 0, fm: 3 }]),
        ].filter((measure) => types.length === 0 || types.includes(measure.type));
        return {
          grpid: m.grpid ?? 1_000_000 + i,
          attrib: m.attrib ?? 0,
          date,
          created: date + 60,
          modified: date + 60,
          category: m.category ?? 1,
          deviceid: 'fake-device-0001',
          hash_deviceid: 'fake-device-0001',
          measures,
          modelid: 6,
          model: 'Body Cardio',
          comment: null,
        };
      })
      .filter((g) => g.measures.length > 0 && g.date >= start && g.date <= end)
      .filter((g) => q.category === undefined || g.category === Number(q.category))
      // Newest first, as Withings lists them.
      .sort((a, b) => b.date - a.date || b.grpid - a.grpid);
    const { slice, more, next } = page(groups, Number(q.offset ?? 0));
    return envelope(0, {
      updatetime: Math.floor(Date.now() / 1000),
      timezone: user.timezone ?? 'Europe/Paris',
      measuregrps: slice,
      more: more ? 1 : 0,
      offset: more ? next : 0,
    });
  };

  const getactivity = (user: FakeWithingsUser, q: Record<string, string>): FakeResponse => {
    const dateOnly = /^\d{4}-\d{2}-\d{2}$/;
    if (!dateOnly.test(q.startdateymd ?? '') || !dateOnly.test(q.enddateymd ?? '')) {
      return envelope(503, {}, 'Invalid Params: startdateymd and enddateymd are required (Y-m-d)');
    }
    const fields = new Set((q.data_fields ?? '').split(',').filter(Boolean));
    const activities = (user.activities ?? [])
      .filter((a) => a.date >= (q.startdateymd as string) && a.date <= (q.enddateymd as string))
      .sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))
      .map((a) => ({
        date: a.date,
        timezone: a.timezone ?? user.timezone ?? 'Europe/Paris',
        deviceid: null,
        hash_deviceid: null,
        brand: 1,
        is_tracker: true,
        modified: a.modified ?? Date.parse(`${a.date}T12:00:00Z`) / 1000 + DAY_S,
        ...(fields.has('steps') && a.steps !== undefined ? { steps: a.steps } : {}),
        ...(fields.has('distance') && a.distance !== undefined ? { distance: a.distance } : {}),
      }));
    const { slice, more, next } = page(activities, Number(q.offset ?? 0));
    return envelope(0, { activities: slice, more, offset: more ? next : 0 });
  };

  const api =
    (service: 'measure' | 'v2/measure') =>
    (request: FakeRequest): FakeResponse => {
      fake?.onApi?.(request);
      const next = injected[0];
      if (next) {
        next.left -= 1;
        if (next.left <= 0) injected.shift();
        return next.response;
      }
      const userid = caller(request);
      if (userid === undefined) return envelope(401, {}, INVALID_TOKEN);
      const user = users[userid] ?? { refreshTokens: [] };
      const q = params(request);
      if (service === 'measure' && q.action === 'getmeas') return getmeas(user, q);
      if (service === 'v2/measure' && q.action === 'getactivity') return getactivity(user, q);
      return envelope(2554, {}, 'Not implemented');
    };

  provider = await startFakeOAuthProvider({
    ...(options.clientId ? { clientId: options.clientId } : {}),
    ...(options.clientSecret ? { clientSecret: options.clientSecret } : {}),
    accessTokenTtl: options.accessTokenTtl ?? 10_800,
    grants: Object.fromEntries(
      Object.entries(users).flatMap(([, user]) => user.refreshTokens.map((t) => [t, user.scopes ?? DEFAULT_SCOPES])),
    ),
    pkce: false,
    rotate: true,
    scopeSeparator: ',',
    requireTokenParams: { action: 'requesttoken' },
    paths: { authorize: '/oauth2_user/authorize2', token: '/v2/oauth2' },
    tokenShape,
    errorShape,
    routes: { 'POST /measure': api('measure'), 'POST /v2/measure': api('v2/measure') },
  });
  const started = provider;
  fake = Object.assign(started, {
    apiRootUrl: `${started.url}/`,
    apiRequests: (service?: 'measure' | 'v2/measure') =>
      started.requests.filter((r) =>
        service ? r.path === `/${service}` : r.path === '/measure' || r.path === '/v2/measure',
      ),
    tokenRequests: () => started.requests.filter((r) => r.path === '/v2/oauth2'),
    userOf: (token: string) => userOfRefresh.get(token),
    injectApi(answer: FakeEnvelope, times = 1) {
      injected.push({ response: envelope(answer.status, answer.body ?? {}, answer.error), left: times });
    },
    injectApiResponse(response: FakeResponse, times = 1) {
      injected.push({ response, left: times });
    },
  });
  // A token the test revokes or adds by hand is known too, so rotations are still told apart.
  const { revoke, addGrant } = started;
  fake.revoke = (token) => {
    revoke(token);
    known.delete(token);
    for (const [access, old] of retireOnUse) if (old === token) retireOnUse.delete(access);
  };
  fake.addGrant = (token, scopes) => {
    addGrant(token, scopes);
    known.add(token);
  };
  return fake;
}
