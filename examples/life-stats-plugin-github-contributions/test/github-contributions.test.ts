import { createTestContext, describePlugin, type FakeRequest, startFakeServer } from '@life-stats/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import plugin, { type GitHubContributionsConfig, isoWithOffset } from '../src/index.js';

const TOKEN = 'ghp_test_token';

interface Variables {
  login: string;
  from: string;
  to: string;
}

/**
 * A fake GitHub GraphQL endpoint: like GitHub, it dates the calendar by the offset of `from` and
 * answers whole weeks (Sunday to Saturday), so days outside the range come back too.
 */
function startFakeGitHub() {
  return startFakeServer({
    'POST /graphql': (request: FakeRequest) => {
      if (request.headers.authorization !== `bearer ${TOKEN}`) {
        return { status: 401, json: { message: 'Bad credentials' } };
      }
      const { login, from, to } = (request.json as { variables: Variables }).variables;
      if (login !== 'octocat') {
        return {
          json: {
            data: { user: null },
            errors: [{ type: 'NOT_FOUND', message: `Could not resolve to a User with the login of '${login}'.` }],
          },
        };
      }
      const first = new Date(`${from.slice(0, 10)}T00:00:00Z`);
      first.setUTCDate(first.getUTCDate() - first.getUTCDay());
      const last = new Date(`${to.slice(0, 10)}T00:00:00Z`);
      last.setUTCDate(last.getUTCDate() + (6 - last.getUTCDay()));
      const weeks: { contributionDays: { date: string; contributionCount: number }[] }[] = [];
      for (const d = first; d <= last; d.setUTCDate(d.getUTCDate() + 1)) {
        if (d.getUTCDay() === 0) weeks.push({ contributionDays: [] });
        weeks
          .at(-1)
          ?.contributionDays.push({ date: d.toISOString().slice(0, 10), contributionCount: d.getUTCDate() % 7 });
      }
      return { json: { data: { user: { contributionsCollection: { contributionCalendar: { weeks } } } } } };
    },
  });
}

// The life-stats plugin kit: manifest, configSchema, output, ctx.signal, secret scoping.
describePlugin(plugin, {
  server: startFakeGitHub,
  config: (url) => ({ login: 'octocat', apiUrl: `${url}/graphql` }),
  secrets: { token: TOKEN },
});

describe('github-contributions', () => {
  let server: Awaited<ReturnType<typeof startFakeGitHub>>;
  beforeAll(async () => {
    server = await startFakeGitHub();
  });
  afterAll(() => server.close());

  function context(
    options: { timezone?: string; window?: { start: string; end: string }; login?: string; token?: string | null } = {},
  ) {
    const config: GitHubContributionsConfig = { login: options.login ?? 'octocat', apiUrl: `${server.url}/graphql` };
    return createTestContext({
      plugin,
      config,
      user: { id: 'me', timezone: options.timezone ?? 'UTC' },
      window: options.window ?? { start: '2026-11-18', end: '2026-11-25' },
      secrets: options.token === null ? {} : { token: options.token ?? TOKEN },
    }).ctx;
  }

  function lastVariables(): Variables {
    const request = server.requests.at(-1);
    if (!request) throw new Error('no request reached the fake GitHub');
    return (request.json as { variables: Variables }).variables;
  }

  it('asks for the window from local midnight to the end of the last local day, in the user zone', async () => {
    const rows = await plugin.fetch(context({ timezone: 'Europe/Berlin' }));
    expect(lastVariables()).toEqual({
      login: 'octocat',
      from: '2026-11-18T00:00:00+01:00',
      to: '2026-11-25T23:59:59+01:00',
    });
    // Only the window's days, although GitHub answers whole weeks.
    expect(rows.map((r) => r.date)).toEqual([
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
      '2026-11-23',
      '2026-11-24',
      '2026-11-25',
    ]);
    expect(rows[0]).toEqual({ date: '2026-11-18', value: 18 % 7 });
    // Days without contributions are real zeros on GitHub's calendar.
    expect(rows.find((r) => r.date === '2026-11-21')).toEqual({ date: '2026-11-21', value: 0 });
  });

  it('uses the offset in force at each end across a DST change', async () => {
    await plugin.fetch(context({ timezone: 'America/New_York', window: { start: '2026-03-07', end: '2026-03-09' } }));
    expect(lastVariables()).toMatchObject({ from: '2026-03-07T00:00:00-05:00', to: '2026-03-09T23:59:59-04:00' });
    expect(isoWithOffset(new Date('2026-06-30T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-07-01T00:00:00+05:30');
  });

  it('asks for reconnection on a rejected or missing token', async () => {
    await expect(plugin.fetch(context({ token: 'revoked' }))).rejects.toMatchObject({
      code: 'E_RECONNECT_REQUIRED',
      message: expect.stringContaining('life-stats secrets set github token --user me'),
    });
    await expect(plugin.fetch(context({ token: null }))).rejects.toMatchObject({ code: 'E_RECONNECT_REQUIRED' });
  });

  it('names an unknown login', async () => {
    await expect(plugin.fetch(context({ login: 'nobody' }))).rejects.toThrow(
      /Could not resolve to a User with the login of 'nobody'/,
    );
  });

  it('reads every day of a full year in one request', async () => {
    const before = server.requests.length;
    const rows = await plugin.fetch(context({ window: { start: '2025-11-26', end: '2026-11-25' } }));
    expect(server.requests.length - before).toBe(1);
    expect(rows).toHaveLength(365);
    expect(plugin.maxDaysPerFetch).toBe(365);
  });
});

describe('github-contributions rate limits', () => {
  it('retries a secondary rate limit (403 retry-after) and a 429 after the time GitHub names', async () => {
    const limited = await startFakeServer({
      'POST /graphql': { status: 403, headers: { 'retry-after': '60' }, json: { message: 'secondary rate limit' } },
      'POST /too-many': { status: 429, json: {} },
    });
    try {
      const ctx = (path: string) =>
        createTestContext({
          plugin,
          config: { login: 'octocat', apiUrl: `${limited.url}${path}` },
          secrets: { token: TOKEN },
        }).ctx;
      await expect(plugin.fetch(ctx('/graphql'))).rejects.toMatchObject({ code: 'E_RETRYABLE', retryAfterMs: 60_000 });
      const noHint = await plugin.fetch(ctx('/too-many')).catch((e: unknown) => e);
      expect(noHint).toMatchObject({ code: 'E_RETRYABLE', retryAfterMs: undefined });
    } finally {
      await limited.close();
    }
  });

  it('waits until x-ratelimit-reset when the primary limit is used up', async () => {
    const reset = Math.floor(Date.now() / 1000) + 120;
    const limited = await startFakeServer({
      'POST /graphql': {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
        json: { message: 'API rate limit exceeded' },
      },
    });
    try {
      const { ctx } = createTestContext({
        plugin,
        config: { login: 'octocat', apiUrl: `${limited.url}/graphql` },
        secrets: { token: TOKEN },
      });
      const error = (await plugin.fetch(ctx).catch((e: unknown) => e)) as { code: string; retryAfterMs: number };
      expect(error.code).toBe('E_RETRYABLE');
      expect(error.retryAfterMs).toBeGreaterThan(100_000);
      expect(error.retryAfterMs).toBeLessThanOrEqual(120_000);
    } finally {
      await limited.close();
    }
  });

  it('treats a plain 403 (a token without access) as a failure, not a rate limit', async () => {
    const forbidden = await startFakeServer({
      'POST /graphql': { status: 403, json: { message: 'Resource not accessible' } },
    });
    try {
      const { ctx } = createTestContext({
        plugin,
        config: { login: 'octocat', apiUrl: `${forbidden.url}/graphql` },
        secrets: { token: TOKEN },
      });
      const error = await plugin.fetch(ctx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as { code?: string }).code).toBeUndefined();
      expect((error as Error).message).toMatch(/403/);
    } finally {
      await forbidden.close();
    }
  });
});
