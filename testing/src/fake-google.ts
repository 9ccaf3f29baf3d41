/**
 * A fake Google on loopback for the Google plugins' tests: the OAuth consent page and token endpoint,
 * Fitness v1 `users.dataset.aggregate`, and the Google Health API v4 data points (`fake-google-health.ts`:
 * every roll-up data type and sleep) — serving the response shapes Google documents, computed from the
 * samples the test gives.
 *
 * Day boundaries are computed here independently of core's date helpers (by searching the instant
 * the local date changes, with `Intl`), so a mistake in the plugin or in core shows in the numbers.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type FakeRequest, type FakeResponse, type FakeServer, startFakeServer } from '@life-stats/core/testing';
import { createFakeHealth, type FakeHealth, type FakeHealthOptions, isHealthPath } from './fake-google-health.js';

/** Steps counted by a device. */
export interface StepSample {
  /** When the steps were taken: an ISO instant (`2026-11-01T05:30:00Z`) or epoch milliseconds. */
  at: string | number;
  steps: number;
  /**
   * The zone the device was in, which decides the sample's civil day in the Health API.
   * @default the fake's `timeZone`
   */
  timeZone?: string;
}

/** Which endpoint an injected answer replaces. */
export type FakeGoogleRoute = 'auth' | 'token' | 'fit' | 'health';

export interface FakeGoogleOptions {
  /** @default 'fake-client-id.apps.googleusercontent.com' */
  clientId?: string;
  /** @default 'fake-client-secret-GOCSPX' */
  clientSecret?: string;
  /** Refresh tokens the token endpoint accepts. @default ['1//fake-refresh-token'] */
  refreshTokens?: string[];
  /**
   * The scopes of the grants behind `refreshTokens`, reported (space-separated) in every refresh
   * answer as Google does. Left out, those answers carry no `scope`; a grant made through the
   * consent page always reports the scopes consented to.
   */
  grantedScopes?: string[];
  /**
   * The authorized redirect URIs of a *Web application* client: the consent then accepts exactly
   * these (Google answers any other with `Error 400: redirect_uri_mismatch`,
   * https://developers.google.com/identity/protocols/oauth2/web-server#authorization-errors-redirect-uri-mismatch).
   * Left out, the client is a *Desktop app*, which takes any loopback address.
   */
  redirectUris?: string[];
  /** The zone samples without their own were recorded in (Health civil days). @default 'UTC' */
  timeZone?: string;
  steps?: StepSample[];
  /**
   * How the Health roll-up answers a day without data: a point without `steps` (`'no-value'`) or
   * no point at all (`'omit'`). @default 'no-value'
   */
  healthEmptyDays?: 'no-value' | 'omit';
  /** The Google Health API's other data types and sleep (`fake-google-health.ts`). */
  health?: FakeHealthOptions;
}

export interface FakeGoogle {
  /** Origin, no trailing slash. */
  readonly url: string;
  /** `${url}/`: the plugins' `apiRootUrl`. */
  readonly apiRootUrl: string;
  readonly tokenUrl: string;
  readonly authUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every request received, in order. */
  readonly requests: FakeRequest[];
  /** Access tokens issued so far. */
  readonly accessTokens: ReadonlySet<string>;
  /** Requests to one endpoint. */
  requestsTo(route: FakeGoogleRoute): FakeRequest[];
  addSteps(samples: StepSample[]): void;
  /** The Google Health API's data of every other type, sleep included. */
  readonly health: FakeHealth;
  /** Answer the next `times` requests to `route` with `response` instead of the real behaviour. */
  inject(route: FakeGoogleRoute, response: FakeResponse, times?: number): void;
  /** The next refresh of `refreshToken` returns `newToken` too and retires the old one (Google's rotation). */
  rotateOnNextRefresh(refreshToken: string, newToken: string): void;
  /** Revoke a refresh token: its next refresh is `invalid_grant`. */
  revoke(refreshToken: string): void;
  /** The refresh tokens accepted now (issued by a consent, rotated, or given at the start). */
  liveRefreshTokens(): string[];
  /** The code exchange of the consent flow returns no refresh token (as for a re-consent without `prompt=consent`). */
  omitRefreshTokenOnExchange(): void;
  /** The consent page answers like a user who clicked "Cancel". */
  denyConsent(): void;
  hold(): void;
  release(): void;
  close(): Promise<void>;
  /** When each request to `route` arrived (`Date.now()` on the server), in order. */
  requestTimes(route: FakeGoogleRoute): number[];
  /**
   * Let every access token issued so far expire (as an hour passing would): the APIs answer them
   * 401 UNAUTHENTICATED, and a refresh gets a new one. They stay in `accessTokens` (still secrets).
   */
  expireAccessTokens(): void;
  /** Delay every answer of `route` by `ms` (0 to stop), the real answers included: a slow provider. */
  slow(route: FakeGoogleRoute, ms: number): void;
}

/** The documented body of a Google API error (AIP-193 with legacy `errors[]`). */
export function googleApiError(
  code: number,
  status: string,
  message: string,
  reason?: { legacy?: string; errorInfo?: string; service?: string },
): FakeResponse {
  return {
    status: code,
    json: {
      error: {
        code,
        message,
        status,
        errors: reason?.legacy ? [{ message, domain: 'global', reason: reason.legacy }] : [],
        details: reason?.errorInfo
          ? [
              {
                '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
                reason: reason.errorInfo,
                domain: 'googleapis.com',
                metadata: { service: reason.service ?? 'fitness.googleapis.com', consumer: 'projects/123456789' },
              },
            ]
          : [],
      },
    },
  };
}

/** What Google answers when a project has not enabled an API (or the API is turned down for it). */
export function serviceDisabled(service = 'fitness.googleapis.com', apiName = 'Fitness API'): FakeResponse {
  return googleApiError(
    403,
    'PERMISSION_DENIED',
    `${apiName} has not been used in project 123456789 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/${service}/overview?project=123456789 then retry.`,
    { legacy: 'accessNotConfigured', errorInfo: 'SERVICE_DISABLED', service },
  );
}

const FIT_AGGREGATE_PATH = '/fitness/v1/users/me/dataset:aggregate';
const FIT_STEPS_SOURCE = 'derived:com.google.step_count.delta:com.google.android.gms:estimated_steps';

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date of an instant in a zone, straight from `Intl`. */
function dateIn(ms: number, timeZone: string): string {
  let f = dateFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormatters.set(timeZone, f);
  }
  return f.format(new Date(ms));
}

/**
 * The first instant after `from` whose local date differs from `from`'s: the next local midnight
 * (or the first instant after a midnight skipped by DST). Searched on whole seconds, on which every
 * zone's transitions fall, so the answer is exact.
 */
function nextLocalMidnight(from: number, timeZone: string): number {
  const day = dateIn(from, timeZone);
  let lo = Math.floor(from / 1000);
  let hi = lo + 27 * 3600; // no civil day is longer than 26 hours
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (dateIn(mid * 1000, timeZone) === day) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

function sampleMs(sample: StepSample): number {
  return typeof sample.at === 'number' ? sample.at : Date.parse(sample.at);
}

function invalidArgument(message: string): FakeResponse {
  return googleApiError(400, 'INVALID_ARGUMENT', message, { legacy: 'badRequest' });
}

/** Start the fake on `127.0.0.1` (an ephemeral port). */
export async function startFakeGoogle(options: FakeGoogleOptions = {}): Promise<FakeGoogle> {
  const clientId = options.clientId ?? 'fake-client-id.apps.googleusercontent.com';
  const clientSecret = options.clientSecret ?? 'fake-client-secret-GOCSPX';
  const defaultZone = options.timeZone ?? 'UTC';
  const healthEmptyDays = options.healthEmptyDays ?? 'no-value';
  // Refresh token → the scopes of its grant (space-separated), as Google reports them on refresh.
  const refreshTokens = new Map<string, string | undefined>(
    (options.refreshTokens ?? ['1//fake-refresh-token']).map((t) => [t, options.grantedScopes?.join(' ')]),
  );
  const accessTokens = new Set<string>();
  const expiredAccessTokens = new Set<string>();
  const timeline: { route: FakeGoogleRoute; at: number }[] = [];
  const slowness: Record<FakeGoogleRoute, number> = { auth: 0, token: 0, fit: 0, health: 0 };
  const samples: StepSample[] = [...(options.steps ?? [])];
  const injected: Record<FakeGoogleRoute, { response: FakeResponse; left: number }[]> = {
    auth: [],
    token: [],
    fit: [],
    health: [],
  };
  const rotations = new Map<string, string>();
  const codes = new Map<string, { redirectUri: string; challenge: string; scope: string }>();
  let omitRefreshToken = false;
  let deny = false;
  let issued = 0;

  const takeInjected = (route: FakeGoogleRoute): FakeResponse | undefined => {
    const queue = injected[route];
    const next = queue[0];
    if (!next) return undefined;
    next.left -= 1;
    if (next.left <= 0) queue.shift();
    return next.response;
  };

  const issueAccessToken = (): string => {
    issued += 1;
    const token = `ya29.fake-access-${issued}-${randomBytes(6).toString('hex')}`;
    accessTokens.add(token);
    return token;
  };

  const unauthenticated = (): FakeResponse =>
    googleApiError(
      401,
      'UNAUTHENTICATED',
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      { legacy: 'authError' },
    );

  const authorized = (request: FakeRequest): boolean => {
    const header = request.headers.authorization;
    if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
    const presented = header.slice(7);
    return accessTokens.has(presented) && !expiredAccessTokens.has(presented);
  };

  const consent = (request: FakeRequest): FakeResponse => {
    const q = request.query;
    const redirect = q.redirect_uri ?? '';
    if (q.client_id !== clientId)
      return { status: 400, body: 'Error 401: invalid_client — The OAuth client was not found.' };
    const registered = options.redirectUris
      ? options.redirectUris.includes(redirect)
      : /^http:\/\/(127\.0\.0\.1|\[::1\]|localhost)(:\d+)?\//.test(redirect);
    if (!registered) {
      return { status: 400, body: 'Error 400: redirect_uri_mismatch' };
    }
    const target = new URL(redirect);
    if (q.state) target.searchParams.set('state', q.state);
    if (deny) {
      target.searchParams.set('error', 'access_denied');
      return { status: 302, headers: { location: target.href } };
    }
    if (q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.code_challenge) {
      return {
        status: 400,
        body: 'Error 400: invalid_request (response_type=code and a S256 code_challenge are required)',
      };
    }
    const code = `4/fake-code-${randomBytes(8).toString('hex')}`;
    codes.set(code, { redirectUri: redirect, challenge: q.code_challenge, scope: q.scope ?? '' });
    target.searchParams.set('code', code);
    target.searchParams.set('scope', q.scope ?? '');
    return { status: 302, headers: { location: target.href } };
  };

  const token = (request: FakeRequest): FakeResponse => {
    const form = request.form ?? {};
    if (form.client_id !== clientId || form.client_secret !== clientSecret) {
      return { status: 401, json: { error: 'invalid_client', error_description: 'The OAuth client was not found.' } };
    }
    const invalidGrant = (description: string): FakeResponse => ({
      status: 400,
      json: { error: 'invalid_grant', error_description: description },
    });
    if (form.grant_type === 'refresh_token') {
      const presented = form.refresh_token ?? '';
      if (!refreshTokens.has(presented)) return invalidGrant('Token has been expired or revoked.');
      const scope = refreshTokens.get(presented);
      const rotated = rotations.get(presented);
      if (rotated) {
        rotations.delete(presented);
        refreshTokens.delete(presented);
        refreshTokens.set(rotated, scope);
      }
      return {
        json: {
          access_token: issueAccessToken(),
          expires_in: 3599,
          ...(scope === undefined ? {} : { scope }),
          token_type: 'Bearer',
          ...(rotated ? { refresh_token: rotated } : {}),
        },
      };
    }
    if (form.grant_type === 'authorization_code') {
      const grant = codes.get(form.code ?? '');
      if (!grant) return invalidGrant('Malformed auth code.');
      codes.delete(form.code ?? '');
      if (grant.redirectUri !== form.redirect_uri)
        return { status: 400, json: { error: 'redirect_uri_mismatch', error_description: 'Bad Request' } };
      const challenge = createHash('sha256')
        .update(form.code_verifier ?? '')
        .digest('base64url');
      if (challenge !== grant.challenge) return invalidGrant('Invalid code verifier.');
      const refreshToken = `1//fake-refresh-${randomBytes(8).toString('hex')}`;
      if (!omitRefreshToken) refreshTokens.set(refreshToken, grant.scope);
      return {
        json: {
          access_token: issueAccessToken(),
          expires_in: 3599,
          scope: grant.scope,
          token_type: 'Bearer',
          ...(omitRefreshToken ? {} : { refresh_token: refreshToken }),
        },
      };
    }
    return { status: 400, json: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' } };
  };

  const fitAggregate = (request: FakeRequest): FakeResponse => {
    if (!authorized(request)) return unauthenticated();
    const body = (request.json ?? {}) as Record<string, unknown>;
    const by = Array.isArray(body.aggregateBy)
      ? (body.aggregateBy[0] as Record<string, unknown> | undefined)
      : undefined;
    if (by?.dataSourceId !== FIT_STEPS_SOURCE && by?.dataTypeName !== 'com.google.step_count.delta') {
      return invalidArgument('aggregateBy must name the step count source');
    }
    const start = Number(body.startTimeMillis);
    const end = Number(body.endTimeMillis);
    if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return invalidArgument('Invalid time range');
    const byTime = (body.bucketByTime ?? {}) as Record<string, unknown>;
    const period = byTime.period as { type?: string; value?: number; timeZoneId?: string } | undefined;
    const boundaries: number[] = [start];
    if (period) {
      if (period.type !== 'day' || (period.value ?? 1) !== 1)
        return invalidArgument('this fake serves day periods of 1');
      // Like Google: without a zone, days are UTC days.
      const zone = period.timeZoneId ?? 'UTC';
      for (let t = nextLocalMidnight(start, zone); t < end; t = nextLocalMidnight(t, zone)) boundaries.push(t);
    } else {
      const duration = Number(byTime.durationMillis);
      if (!Number.isFinite(duration) || duration <= 0)
        return invalidArgument('bucketByTime needs durationMillis or period');
      for (let t = start + duration; t < end; t += duration) boundaries.push(t);
    }
    boundaries.push(end);
    const bucket = boundaries.slice(0, -1).map((from, i) => {
      const to = boundaries[i + 1] as number;
      const inside = samples.filter((s) => sampleMs(s) >= from && sampleMs(s) < to);
      const total = inside.reduce((sum, s) => sum + s.steps, 0);
      return {
        startTimeMillis: String(from),
        endTimeMillis: String(to),
        dataset: [
          {
            dataSourceId: 'derived:com.google.step_count.delta:com.google.android.gms:aggregated',
            point:
              inside.length === 0
                ? []
                : [
                    {
                      startTimeNanos: `${Math.min(...inside.map(sampleMs))}000000`,
                      endTimeNanos: `${Math.max(...inside.map(sampleMs))}000000`,
                      dataTypeName: 'com.google.step_count.delta',
                      originDataSourceId: FIT_STEPS_SOURCE,
                      value: [{ intVal: total, mapVal: [] }],
                    },
                  ],
          },
        ],
      };
    });
    return { json: { bucket } };
  };

  const health = createFakeHealth(options.health);
  const healthRequest = (request: FakeRequest): FakeResponse =>
    authorized(request)
      ? health.serve(request, {
          defaultZone,
          emptyDays: healthEmptyDays,
          steps: () => samples,
          grant: health.grantOf(request.headers.authorization),
        })
      : unauthenticated();

  const route = (request: FakeRequest): FakeGoogleRoute | undefined => {
    if (request.method === 'GET' && request.path === '/o/oauth2/v2/auth') return 'auth';
    if (request.method === 'POST' && request.path === '/token') return 'token';
    if (request.method === 'POST' && request.path === FIT_AGGREGATE_PATH) return 'fit';
    if (isHealthPath(request.path)) return 'health';
    return undefined;
  };

  const answer = (which: FakeGoogleRoute, request: FakeRequest): FakeResponse => {
    const override = takeInjected(which);
    if (override) return override;
    switch (which) {
      case 'auth':
        return consent(request);
      case 'token':
        return health.noteGrant(request, token(request));
      case 'fit':
        return fitAggregate(request);
      case 'health':
        return healthRequest(request);
    }
  };

  const server: FakeServer = await startFakeServer((request) => {
    const which = route(request);
    if (!which) return { status: 404, json: { error: `fake Google: no route for ${request.method} ${request.path}` } };
    timeline.push({ route: which, at: Date.now() });
    const response = answer(which, request);
    const delay = slowness[which];
    return delay > 0 ? { ...response, delayMs: (response.delayMs ?? 0) + delay } : response;
  });

  return {
    url: server.url,
    apiRootUrl: `${server.url}/`,
    tokenUrl: `${server.url}/token`,
    authUrl: `${server.url}/o/oauth2/v2/auth`,
    clientId,
    clientSecret,
    requests: server.requests,
    accessTokens,
    requestsTo: (which) => server.requests.filter((r) => route(r) === which),
    addSteps: (more) => {
      samples.push(...more);
    },
    health,
    inject: (which, response, times = 1) => {
      injected[which].push({ response, left: times });
    },
    rotateOnNextRefresh: (refreshToken, newToken) => {
      rotations.set(refreshToken, newToken);
    },
    revoke: (refreshToken) => {
      refreshTokens.delete(refreshToken);
    },
    liveRefreshTokens: () => [...refreshTokens.keys()],
    omitRefreshTokenOnExchange: () => {
      omitRefreshToken = true;
    },
    denyConsent: () => {
      deny = true;
    },
    hold: () => server.hold(),
    release: () => server.release(),
    close: () => server.close(),
    requestTimes: (which) => timeline.filter((t) => t.route === which).map((t) => t.at),
    expireAccessTokens: () => {
      for (const t of accessTokens) expiredAccessTokens.add(t);
    },
    slow: (which, ms) => {
      slowness[which] = ms;
    },
  };
}
