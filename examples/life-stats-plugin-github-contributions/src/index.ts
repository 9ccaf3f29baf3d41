import {
  addDays,
  definePlugin,
  ReconnectRequiredError,
  RetryableError,
  startOfLocalDay,
  zoneOffsetMinutes,
} from '@life-stats/core/plugin';

/** The entry's `config`, after validation and defaults. */
export interface GitHubContributionsConfig {
  /** The GitHub user whose contributions are counted. */
  login: string;
  /** The GraphQL endpoint; GitHub Enterprise Server has its own. */
  apiUrl: string;
}

/** Where GitHub's GraphQL API lives. */
const GITHUB_GRAPHQL_URL = 'https://api.github.com/graphql';

const QUERY = `query($login: String!, $from: DateTime!, $to: DateTime!) {
  user(login: $login) {
    contributionsCollection(from: $from, to: $to) {
      contributionCalendar { weeks { contributionDays { date contributionCount } } }
    }
  }
}`;

interface ContributionDay {
  date: string;
  contributionCount: number;
}

interface GraphQLResponse {
  data?: {
    user: {
      contributionsCollection: { contributionCalendar: { weeks: { contributionDays: ContributionDay[] }[] } };
    } | null;
  };
  errors?: { type?: string; message: string }[];
}

/**
 * `instant` as ISO 8601 with the zone's offset at that instant (`2026-11-18T00:00:00+01:00`).
 * GitHub buckets the calendar into days by the offset of `from`, so the offset is the point.
 */
export function isoWithOffset(instant: Date, timeZone: string): string {
  const offset = zoneOffsetMinutes(instant, timeZone);
  const local = new Date(instant.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Milliseconds to wait before retrying a rate-limited request, from `retry-after` or `x-ratelimit-reset`. */
function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = Number(headers.get('retry-after'));
  if (headers.has('retry-after') && Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (headers.has('x-ratelimit-reset') && Number.isFinite(reset)) return Math.max(0, reset * 1000 - now);
  return undefined;
}

function rateLimited(status: number, headers: Headers): boolean {
  return (
    status === 429 || (status === 403 && (headers.has('retry-after') || headers.get('x-ratelimit-remaining') === '0'))
  );
}

/**
 * Daily GitHub contributions (commits, issues, pull requests, reviews — what the profile calendar
 * counts) through the GraphQL `contributionCalendar`, dated in the user's time zone.
 */
export default definePlugin<GitHubContributionsConfig>({
  id: 'github-contributions',
  apiVersion: 1,
  metric: { type: 'github_contributions', unit: 'count', description: 'GitHub contributions per day' },
  description: "Daily contributions from a GitHub user's contribution calendar",
  configSchema: {
    type: 'object',
    properties: {
      login: { type: 'string', minLength: 1, description: 'GitHub user name' },
      apiUrl: { type: 'string', default: GITHUB_GRAPHQL_URL, description: 'GraphQL endpoint' },
    },
    required: ['login'],
    additionalProperties: false,
  },
  exampleConfig: { login: 'octocat', apiUrl: GITHUB_GRAPHQL_URL },
  // A personal access token per user; `github` so other GitHub plugins can share it.
  secrets: { namespace: 'github', user: ['token'] },
  // Today's count grows all day, and yesterday's may still change in zones behind GitHub's.
  settleDays: 2,
  // GitHub refuses a contributionsCollection longer than one year: one request per ≤ 365 days.
  maxDaysPerFetch: 365,
  async fetch(ctx) {
    const token = ctx.secrets.get('token');
    if (!token) {
      throw new ReconnectRequiredError(
        `no GitHub token for user ${ctx.user.id}: run \`life-stats secrets set github token --user ${ctx.user.id}\``,
      );
    }
    const { timezone } = ctx.user;
    // Local midnight of the first day to the last instant of the last day, with the user's offset:
    // GitHub dates contributions by the offset of `from`.
    const from = isoWithOffset(startOfLocalDay(ctx.window.start, timezone), timezone);
    const endInstant = new Date(startOfLocalDay(addDays(ctx.window.end, 1), timezone).getTime() - 1000);
    const to = isoWithOffset(endInstant, timezone);

    const response = await fetch(ctx.config.apiUrl, {
      method: 'POST',
      headers: {
        authorization: `bearer ${token}`,
        'content-type': 'application/json',
        'user-agent': 'life-stats-plugin-github-contributions',
      },
      body: JSON.stringify({ query: QUERY, variables: { login: ctx.config.login, from, to } }),
      signal: ctx.signal,
    });
    if (response.status === 401) {
      throw new ReconnectRequiredError(
        `GitHub rejected the token of user ${ctx.user.id} (401): create a new one and run \`life-stats secrets set github token --user ${ctx.user.id}\``,
      );
    }
    if (rateLimited(response.status, response.headers) || response.status >= 500) {
      const wait = retryAfterMs(response.headers);
      throw new RetryableError(`GitHub answered ${response.status}${response.status < 500 ? ' (rate limit)' : ''}`, {
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
      });
    }
    if (!response.ok) throw new Error(`GitHub answered ${response.status} ${response.statusText}`);

    const body = (await response.json()) as GraphQLResponse;
    if (body.errors?.some((e) => e.type === 'RATE_LIMITED')) {
      const wait = retryAfterMs(response.headers);
      throw new RetryableError('GitHub GraphQL rate limit reached', {
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
      });
    }
    if (body.errors?.length) {
      throw new Error(`GitHub GraphQL error: ${body.errors.map((e) => e.message).join('; ')}`);
    }
    const user = body.data?.user;
    if (!user) throw new Error(`GitHub has no user "${ctx.config.login}": check \`login\` in the plugin's config`);

    return user.contributionsCollection.contributionCalendar.weeks
      .flatMap((week) => week.contributionDays)
      .filter((day) => day.date >= ctx.window.start && day.date <= ctx.window.end)
      .map((day) => ({ date: day.date, value: day.contributionCount }));
  },
});
