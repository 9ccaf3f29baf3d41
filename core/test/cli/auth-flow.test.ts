import { createHash } from 'node:crypto';
import { rejection } from '@life-stats/testing/assertions';
import { type FakeGoogle, startFakeGoogle } from '@life-stats/testing/fake-google';
import { afterEach, describe, expect, it } from 'vitest';
import { type OAuthLoopbackFlowOptions, runOAuthLoopbackFlow } from '../../src/cli/auth-flow.js';
import { type OAuthSettings, resolveOAuthSettings } from '../../src/oauth/settings.js';

/** The settings a Google plugin's manifest gives, with the fake's endpoints as the entry's override. */
function googleSettings(g: FakeGoogle): OAuthSettings {
  return resolveOAuthSettings({
    id: 'google-fit-steps',
    secrets: { namespace: 'google-fit' },
    oauth: {
      provider: 'Google',
      authUrl: g.authUrl,
      tokenUrl: g.tokenUrl,
      scopes: SCOPES,
      authParams: { access_type: 'offline', prompt: 'consent' },
      permissionsUrl: 'https://myaccount.google.com/permissions',
    },
  });
}

const SCOPES = ['https://www.googleapis.com/auth/fitness.activity.read'];
let google: FakeGoogle | undefined;

afterEach(async () => {
  await google?.close();
  google = undefined;
});

async function fake(): Promise<FakeGoogle> {
  google = await startFakeGoogle();
  return google;
}

/** Start the flow against the fake; `consentUrl` resolves with the address it prints. */
function start(g: FakeGoogle, extra: Partial<OAuthLoopbackFlowOptions> = {}) {
  const lines: string[] = [];
  let announce!: (url: string) => void;
  const consentUrl = new Promise<string>((resolve) => {
    announce = resolve;
  });
  const result = runOAuthLoopbackFlow({
    settings: googleSettings(g),
    client: { clientId: g.clientId, clientSecret: g.clientSecret },
    scopes: SCOPES,
    log: (line) => {
      lines.push(line);
      const url = line.trim();
      if (url.startsWith(g.authUrl)) announce(url);
    },
    ...extra,
  });
  // Asserted by each test; without this a rejection would be reported before the test reads it.
  result.catch(() => {});
  return { result, consentUrl, lines };
}

/** The test plays the browser: open the consent page, follow Google's redirect to the loopback. */
async function browse(url: string): Promise<{ status: number; text: string }> {
  const response = await fetch(url);
  return { status: response.status, text: await response.text() };
}

describe('runOAuthLoopbackFlow', () => {
  it('prints a consent URL for offline access with PKCE and a state, and returns the refresh token', async () => {
    const g = await fake();
    const { result, consentUrl, lines } = start(g);

    const url = new URL(await consentUrl);
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({
      client_id: g.clientId,
      response_type: 'code',
      scope: SCOPES.join(' '),
      access_type: 'offline',
      prompt: 'consent',
      code_challenge_method: 'S256',
    });
    expect(q.redirect_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2callback$/);
    expect(q.state).toMatch(/^[\w-]{16,}$/);

    const page = await browse(url.href);
    expect(page.status).toBe(200);
    expect(page.text).toContain('life-stats is connected');

    const { refreshToken, scopes } = await result;
    expect(refreshToken).toMatch(/^1\/\/fake-refresh-/);
    expect(scopes).toEqual(SCOPES);
    // The code was exchanged with the verifier of the challenge Google was shown.
    const [exchange] = g.requestsTo('token');
    expect(exchange?.form).toMatchObject({ grant_type: 'authorization_code', redirect_uri: q.redirect_uri });
    expect(
      createHash('sha256')
        .update(exchange?.form?.code_verifier ?? '')
        .digest('base64url'),
    ).toBe(q.code_challenge);
    // Neither the client secret nor the token reaches the terminal.
    const printed = lines.join('\n');
    expect(printed).not.toContain(g.clientSecret);
    expect(printed).not.toContain(refreshToken);
    // The loopback server is gone.
    await expect(fetch(q.redirect_uri as string)).rejects.toThrow();
  });

  it('refuses an answer that does not carry the state it sent', async () => {
    const g = await fake();
    const { result, consentUrl } = start(g);
    const redirect = new URL(await consentUrl).searchParams.get('redirect_uri') as string;

    const page = await browse(`${redirect}?code=4/forged&state=not-the-state`);

    expect(page.status).toBe(400);
    const error = await rejection(result);
    expect(error.code).toBe('E_AUTH');
    expect(error.message).toContain('state');
    expect(g.requestsTo('token')).toHaveLength(0);
  });

  it('reports a declined consent', async () => {
    const g = await fake();
    g.denyConsent();
    const { result, consentUrl } = start(g);

    await browse(await consentUrl);

    const error = await rejection(result);
    expect(error.code).toBe('E_AUTH');
    expect(error.message).toContain('access_denied');
  });

  it('fails clearly when Google returns no refresh token', async () => {
    const g = await fake();
    g.omitRefreshTokenOnExchange();
    const { result, consentUrl } = start(g);

    await browse(await consentUrl);

    const error = await rejection(result);
    expect(error.message).toContain('without a refresh token');
    expect(error.hint).toContain('https://myaccount.google.com/permissions');
  });

  it('hands the consent URL to a browser opener, and stops waiting when its signal aborts', async () => {
    const g = await fake();
    const opened: string[] = [];
    const controller = new AbortController();
    const { result, consentUrl } = start(g, {
      openBrowser: (url) => {
        opened.push(url);
      },
      signal: controller.signal,
    });
    expect(opened).toEqual([]);
    const url = await consentUrl;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(opened).toEqual([url]);

    controller.abort(new Error('interrupted'));

    expect((await rejection(result)).message).toBe('interrupted');
    const redirect = new URL(url).searchParams.get('redirect_uri') as string;
    await expect(fetch(redirect)).rejects.toThrow();
  });

  it('gives up after timeoutMs', async () => {
    const g = await fake();
    const { result } = start(g, { timeoutMs: 50 });
    const error = await rejection(result);
    expect(error.code).toBe('E_AUTH');
    expect(error.message).toContain('no answer from the browser');
  });
});
