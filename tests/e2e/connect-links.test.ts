import { expectNoSecret } from '@life-stats/testing/assertions';
import { describe, expect, it } from 'vitest';
import {
  ACME_PROVIDER,
  browser,
  cli,
  expectSecurityHeaders,
  GOOGLE_CONSENT_ORIGIN,
  makeLink,
  PREFIX,
  storedSecret,
  tokenOf,
  useConnectRig,
} from './support/connect-rig.js';

/**
 * Connect links end to end, the happy paths: the operator makes a link per user with the CLI, each
 * user opens theirs in their own browser, consents at the provider, and lands on "Connected …";
 * the refresh token the provider issued is then the user's secret in SSM, exactly where `life-stats
 * auth` puts it, and the next run collects with it. Driven through real HTTP: the function URL on
 * loopback, cookie-keeping browsers, the fake Google and the kit's fake provider.
 */
const rig = useConnectRig();

describe('connect links, the happy path', () => {
  it('connects two users to Google from their own browsers, storing what Google issued, which the next run uses', async () => {
    const before = await cli(rig, ['run', '--metric', 'steps', '--user', 'alice', '--json']);
    // Not connected yet: skipped, with the hint to connect, and `status` says so.
    expect(JSON.parse(before.stdout).runs).toMatchObject([{ user: 'alice', status: 'skipped' }]);
    const statusOf = async (user: string) => {
      const status = await cli(rig, ['status', '--json']);
      const { status: entries } = JSON.parse(status.stdout) as {
        status: { user: string; metric: string; last_status: string }[];
      };
      return entries.find((e) => e.user === user && e.metric === 'steps')?.last_status;
    };
    expect(await statusOf('alice')).toBe('skipped');

    const links = {
      alice: await makeLink(rig, 'google-health', 'alice'),
      bob: await makeLink(rig, 'google-health', 'bob'),
    };
    const issuedBefore = new Set(rig.google.liveRefreshTokens());
    const pages = new Map<string, Awaited<ReturnType<ReturnType<typeof browser>['open']>>>();
    const browsers = { alice: browser(rig), bob: browser(rig) };
    for (const user of ['alice', 'bob'] as const) {
      const page = await browsers[user].open(links[user]);
      pages.set(user, page);
      expect(page.status).toBe(200);
      expect(page.body).toContain(`<h1>Connected Google for ${user}</h1>`);
      expect(page.body).toContain('You can close this tab.');
      expect(page.url).toMatch(new RegExp(`^${rig.server.url}callback\\?`));
    }

    // The stored tokens are the ones Google issued in these two consents, one per user.
    const issued = rig.google.liveRefreshTokens().filter((t) => !issuedBefore.has(t));
    expect(issued).toHaveLength(2);
    const alice = storedSecret(rig, 'google-health', 'alice');
    const bob = storedSecret(rig, 'google-health', 'bob');
    expect(alice).toBeDefined();
    expect(bob).toBeDefined();
    expect(new Set([alice, bob])).toEqual(new Set(issued));
    expect(rig.ssm.parameters.get(`${PREFIX}/google-health/alice/token`)?.type).toBe('SecureString');

    // The consent asked for what `life-stats auth` asks: the union of the namespace's scopes, with
    // Google's offline access, PKCE, the state, and the registered redirect URI from the config.
    const consents = rig.google.requestsTo('auth');
    expect(consents).toHaveLength(2);
    for (const consent of consents) {
      expect(consent.query.redirect_uri).toBe(`${rig.server.url}callback`);
      expect(consent.query.scope?.split(' ').sort()).toEqual([
        'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly',
        'https://www.googleapis.com/auth/googlehealth.sleep.readonly',
      ]);
      expect(consent.query).toMatchObject({ access_type: 'offline', prompt: 'consent', code_challenge_method: 'S256' });
      expect(consent.query.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
      // The link page's Referrer-Policy: the provider never learns the link.
      expect(consent.headers.referer).toBeUndefined();
    }
    expect(rig.google.requestsTo('token')).toHaveLength(2);

    // Every answer of the function: the start redirects with the state cookie, the callback shows the page.
    const aliceHistory = browsers.alice.history;
    const start = aliceHistory[0];
    expect(start?.status).toBe(302);
    expect(start?.headers.get('location')).toMatch(new RegExp(`^${GOOGLE_CONSENT_ORIGIN}/o/oauth2/v2/auth\\?`));
    const setCookie = start?.headers.getSetCookie() ?? [];
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(
      /^__Host-life-stats-connect-[A-Za-z0-9_-]{22}=[A-Za-z0-9_-]+; Max-Age=900; Path=\/; Secure; HttpOnly; SameSite=Lax$/,
    );
    for (const answer of aliceHistory.filter((a) => a.url.startsWith(rig.server.url)))
      expectSecurityHeaders(answer.headers);
    // The callback carried the cookie the start set: the browser that opened the link finished it.
    expect(aliceHistory.at(-1)?.cookie).toMatch(/^__Host-life-stats-connect-/);

    // The next run collects both users with the stored grants.
    const after = await cli(rig, ['run', '--metric', 'steps', '--json']);
    const runs = JSON.parse(after.stdout).runs as { user: string; status: string; items?: number }[];
    expect(runs.filter((r) => r.user === 'alice' || r.user === 'bob').map((r) => [r.user, r.status])).toEqual([
      ['alice', 'ok'],
      ['bob', 'ok'],
    ]);
    expect(await statusOf('alice')).toBe('ok');
    expect(await statusOf('bob')).toBe('ok');

    // No token, code, state or key in any log line of the function, nor in what the CLI printed
    // besides the links themselves (stdout of connect-link).
    const codes = [...rig.server.events].map((e) => new URLSearchParams(e.rawQueryString).get('code') ?? undefined);
    const states = consents.map((c) => c.query.state);
    const key = rig.ssm.parameters.get(`${PREFIX}/connect/signing_key`)?.value;
    const secrets = [
      alice,
      bob,
      key,
      rig.google.clientSecret,
      tokenOf(links.alice),
      tokenOf(links.bob),
      ...codes,
      ...states,
    ];
    expectNoSecret(rig.stdout.text(), secrets);
    expectNoSecret(rig.cliOutput.filter((text) => !text.includes('"url"')).join('\n'), secrets);
    // …nor in a page.
    for (const page of pages.values()) expectNoSecret(page.body, secrets);
    const logs = rig.stdout.json();
    expect(logs.filter((l) => String(l.message).startsWith('connected: stored the refresh token'))).toHaveLength(2);
    expect(logs.some((l) => l.user === 'alice' && l.plugin === 'google-health')).toBe(true);
  });

  it('connects a third-party plugin through the kit fake provider, escaping its provider name', async () => {
    const link = await makeLink(rig, 'acme', 'carol.example.org');
    const page = await browser(rig).open(link);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Connected Acme &#60;Labs&#62; &#38; &#34;Co&#34; for carol.example.org</h1>');
    expect(page.body).not.toContain(ACME_PROVIDER);
    const stored = storedSecret(rig, 'acme', 'carol.example.org');
    expect(rig.acme.liveRefreshTokens()).toEqual([stored]);
    const [consent] = rig.acme.requestsTo('authorize');
    expect(consent?.query).toMatchObject({
      redirect_uri: `${rig.server.url}callback`,
      scope: 'activity:read',
      code_challenge_method: 'S256',
      response_type: 'code',
    });
    const [exchange] = rig.acme.requestsTo('token');
    expect(exchange?.form).toMatchObject({
      grant_type: 'authorization_code',
      redirect_uri: `${rig.server.url}callback`,
    });

    const run = await cli(rig, ['run', '--metric', 'acme', '--json']);
    expect(JSON.parse(run.stdout).runs).toMatchObject([
      { user: 'alice', status: 'skipped' },
      { user: 'carol.example.org', status: 'ok' },
    ]);
  });

  it('lets one user connect two providers in two tabs at once', async () => {
    const same = browser(rig);
    const googleLink = await makeLink(rig, 'google-health', 'dana');
    const acmeLink = await makeLink(rig, 'acme', 'dana');
    const [google, acme] = await Promise.all([same.open(googleLink), same.open(acmeLink)]);
    expect(google.body).toContain('Connected Google for dana');
    expect(acme.body).toContain('for dana');
    expect(storedSecret(rig, 'google-health', 'dana')).toBeDefined();
    expect(storedSecret(rig, 'acme', 'dana')).toBeDefined();
  });
});
