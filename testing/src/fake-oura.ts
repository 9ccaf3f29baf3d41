/**
 * A fake Oura on loopback: the kit's `startFakeOAuthProvider` with Oura's OAuth answers, and the
 * API v2 list endpoints `GET /v2/usercollection/{daily_activity,daily_sleep,daily_readiness,sleep}`
 * serving each user (by the grant behind the access token) documents computed from the test's data
 * in the user's own zone (`oura-documents.ts`).
 *
 * What it follows, and where it is written:
 * - https://cloud.ouraring.com/v2/docs (the OpenAPI document): the query (`start_date`, `end_date`,
 *   `next_token`, `fields` — "comma-separated list of fields to include in the response, in addition
 *   to the always returned fields"), the answer `{ data, next_token }`, 401 "access token expired,
 *   malformed or revoked", 403 "the user's subscription to Oura has expired", 422
 *   `HTTPValidationError` `{ detail: [{ loc, msg, type }] }`, and 429 with `Retry-After` (integer
 *   seconds), `X-RateLimit-Limit`, `X-RateLimit-Window`, `X-RateLimit-Reset`, `X-RateLimit-Tier`.
 * - https://cloud.ouraring.com/docs/authentication: scopes (`daily`: "Daily summaries of sleep,
 *   activity and readiness") joined by spaces; https://cloud.ouraring.com/docs/error-handling: errors
 *   are RFC 7807 `{ status, title, detail }`, OAuth ones also carry RFC 6749's `error`; a refresh
 *   token "can only be used once" (rotation on every refresh).
 * - Field reports, not the reference: a date-only `end_date` excludes its own day (`dateFilter`);
 *   granted scopes come back `extapi:`-prefixed (`extapi:daily`, oomol-lab/open-connector
 *   src/providers/oura/collections.ts, checked against the live API); access tokens last a day
 *   (`expires_in: 86400`, ex_oura's ExOura.OAuth2 docs). PKCE is not documented: a challenge is
 *   checked when sent, not required.
 */
import {
  type FakeOAuthProvider,
  type FakeOAuthProviderOptions,
  type FakeRequest,
  type FakeResponse,
  startFakeOAuthProvider,
} from '@life-stats/core/testing';
import {
  inQuery,
  OURA_DOCUMENT_FIELDS,
  type OuraCollection,
  type OuraDateFilter,
  type OuraUserData,
  ouraDocuments,
} from './oura-documents.js';

export type {
  OuraActivitySample,
  OuraDateFilter,
  OuraDayScores,
  OuraSleepPeriod,
  OuraUserData,
} from './oura-documents.js';

/** The collections served, each needing the `daily` scope. */
export const OURA_COLLECTIONS: readonly OuraCollection[] = [
  'daily_activity',
  'daily_sleep',
  'daily_readiness',
  'sleep',
];

/** How Oura reports a granted scope in token answers. */
export const OURA_GRANTED_SCOPE_PREFIX = 'extapi:';

export interface FakeOuraOptions extends Omit<FakeOAuthProviderOptions, 'routes'> {
  /** The data of every grant not in `users`. */
  data?: OuraUserData;
  /** Data by grant, named by its first refresh token (see the kit's `grantOf`). */
  users?: Record<string, OuraUserData>;
  /** Documents per page. @default 50 */
  pageSize?: number;
  /** @default 'end-exclusive' */
  dateFilter?: OuraDateFilter;
  /** At most `limit` API requests per `windowSeconds` (sliding, the whole application), then 429. */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Called as each authorized API request arrives, before it is answered (e.g. to read the secrets file then). */
  onApi?: (request: FakeRequest) => void;
}

export interface FakeOura extends FakeOAuthProvider {
  /** `${url}/`: an entry's `apiRootUrl`. */
  readonly apiRootUrl: string;
  /** Requests to the API (one collection, or all). */
  apiRequests(collection?: OuraCollection): FakeRequest[];
  /** Replace the data of a grant (`undefined`: the default data). */
  setUser(grant: string | undefined, data: OuraUserData): void;
  /** The membership behind a grant (every grant, when left out) lapses: its API requests get 403. */
  expireMembership(grant?: string): void;
  /** Answer the next `times` authorized API requests with `response` (a 5xx, an odd body). */
  injectApi(response: FakeResponse, times?: number): void;
}

/** An RFC 7807 problem, as every Oura error is. */
function problem(status: number, title: string, detail: string, headers?: Record<string, string>): FakeResponse {
  return { status, json: { status, title, detail }, ...(headers ? { headers } : {}) };
}

function validationError(parameter: string, msg: string): FakeResponse {
  return { status: 422, json: { detail: [{ loc: ['query', parameter], msg, type: 'value_error' }] } };
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const validDate = (text: string) => DATE.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));

/** Start the fake Oura on 127.0.0.1. */
export async function startFakeOura(options: FakeOuraOptions = {}): Promise<FakeOura> {
  const users = new Map(Object.entries(options.users ?? {}));
  let fallback: OuraUserData = options.data ?? {};
  const pageSize = options.pageSize ?? 50;
  const filter = options.dateFilter ?? 'end-exclusive';
  const scopesOfAccess = new Map<string, string[]>();
  const lapsed = new Set<string>();
  const served: number[] = [];
  const injected: { response: FakeResponse; left: number }[] = [];
  let provider: FakeOAuthProvider | undefined;

  // The scopes the token answer reported, else those the test gave the grant.
  const scopesOf = (request: FakeRequest, grant: string): readonly string[] | undefined => {
    const header = String(request.headers.authorization ?? '');
    return scopesOfAccess.get(header.replace(/^Bearer /, '')) ?? options.grants?.[grant];
  };

  const rateLimited = (): FakeResponse | undefined => {
    if (!options.rateLimit) return undefined;
    const now = Date.now();
    const windowMs = options.rateLimit.windowSeconds * 1000;
    while (served.length > 0 && (served[0] ?? 0) <= now - windowMs) served.shift();
    if (served.length < options.rateLimit.limit) {
      served.push(now);
      return undefined;
    }
    const freeAt = (served[0] ?? now) + windowMs;
    return problem(429, 'Too Many Requests', 'Rate limit exceeded.', {
      'retry-after': String(Math.max(1, Math.ceil((freeAt - now) / 1000))),
      'x-ratelimit-limit': String(options.rateLimit.limit),
      'x-ratelimit-window': String(options.rateLimit.windowSeconds),
      'x-ratelimit-reset': String(Math.ceil(freeAt / 1000)),
      'x-ratelimit-tier': 'application',
    });
  };

  const list =
    (collection: OuraCollection) =>
    (request: FakeRequest): FakeResponse => {
      if (!provider?.authorized(request)) {
        return problem(401, 'Invalid Access token', 'Access token not provided or is invalid.', {
          'www-authenticate': 'Bearer',
        });
      }
      options.onApi?.(request);
      const grant = provider.grantOf(request) ?? '';
      const scopes = scopesOf(request, grant);
      if (scopes && !scopes.includes('daily')) return problem(401, 'Missing Scopes', 'Missing required scopes: daily');
      if (lapsed.has(grant) || lapsed.has('*')) {
        return problem(
          403,
          'Forbidden',
          "The user's Oura membership has expired: their data is not available via the API.",
        );
      }
      const limited = rateLimited();
      if (limited) return limited;
      const next = injected[0];
      if (next) {
        next.left -= 1;
        if (next.left <= 0) injected.shift();
        return next.response;
      }

      const { start_date: start = '', end_date: end = '', next_token: token, fields } = request.query;
      for (const [name, value] of [
        ['start_date', start],
        ['end_date', end],
      ] as const) {
        // Oura defaults a missing date; this fake insists, so a plugin that forgets one fails loudly.
        if (!validDate(value)) return validationError(name, `Input should be a valid date, got "${value}"`);
      }
      if (start > end) return problem(400, 'Bad Request', 'start_date must not be after end_date.');
      const picked = fields?.split(',').map((f) => f.trim());
      const unknown = picked?.filter((f) => !OURA_DOCUMENT_FIELDS[collection].includes(f)) ?? [];
      if (unknown.length > 0) return validationError('fields', `Unknown field(s): ${unknown.join(', ')}`);

      const query = `${collection}|${start}|${end}|${fields ?? ''}`;
      let offset = 0;
      if (token !== undefined) {
        let decoded: { q?: string; o?: number } = {};
        try {
          decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
        } catch {
          // Reported below as an invalid token.
        }
        if (decoded.q !== query || typeof decoded.o !== 'number') {
          return problem(400, 'Bad Request', 'next_token is invalid or does not belong to this query.');
        }
        offset = decoded.o;
      }
      const data = users.get(grant) ?? fallback;
      const matching = ouraDocuments(collection, data).filter((d) => inQuery(d, start, end, filter));
      const page = matching.slice(offset, offset + pageSize).map((document) =>
        // `id` is always returned; the rest only when named.
        picked
          ? Object.fromEntries(Object.entries(document).filter(([k]) => k === 'id' || picked.includes(k)))
          : document,
      );
      const more = offset + pageSize < matching.length;
      const nextToken = more
        ? Buffer.from(JSON.stringify({ q: query, o: offset + pageSize })).toString('base64url')
        : null;
      return { json: { data: page, next_token: nextToken } };
    };

  const started = await startFakeOAuthProvider({
    rotate: true,
    accessTokenTtl: 86_400,
    pkce: false,
    ...options,
    errorShape: (e) => ({
      status: e.status,
      json: {
        status: e.status,
        title: e.error,
        detail: e.description,
        error: e.error,
        error_description: e.description,
      },
    }),
    tokenShape: (body) => {
      const scopes = body.scope?.split(' ').filter(Boolean);
      if (scopes) scopesOfAccess.set(body.access_token, scopes);
      const scope = scopes?.map((s) => `${OURA_GRANTED_SCOPE_PREFIX}${s}`).join(' ');
      return { json: { ...body, ...(scope === undefined ? {} : { scope }) } };
    },
    routes: Object.fromEntries(OURA_COLLECTIONS.map((c) => [`GET /v2/usercollection/${c}`, list(c)])),
  });
  provider = started;
  return Object.assign(started, {
    apiRootUrl: `${started.url}/`,
    apiRequests: (collection?: OuraCollection) =>
      started.requests.filter((r) =>
        collection ? r.path === `/v2/usercollection/${collection}` : r.path.startsWith('/v2/usercollection/'),
      ),
    setUser(grant: string | undefined, data: OuraUserData) {
      if (grant === undefined) fallback = data;
      else users.set(grant, data);
    },
    expireMembership(grant?: string) {
      lapsed.add(grant ?? '*');
    },
    injectApi(response: FakeResponse, times = 1) {
      injected.push({ response, left: times });
    },
  });
}
