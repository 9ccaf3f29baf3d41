import { expectNoSecret } from '@life-stats/testing/assertions';
import type { BrowserResponse } from '@life-stats/testing/cookie-browser';
import { describe, expect, it, vi } from 'vitest';
import {
  browser,
  cli,
  exchanges,
  expectSecurityHeaders,
  makeLink,
  PREFIX,
  storedSecret,
  tokenOf,
  useConnectRig,
  userSecrets,
} from './support/connect-rig.js';

/**
 * Connect links refuse every forged, stale or replayed request — tampered, expired or used links, a
 * callback from another browser, a wrong or replayed state, a consent that took too long, the user
 * pressing "deny", the provider refusing the code, a rotated key — each with a 4xx page that says
 * what to do next, and nothing stored. Driven like the happy path: real HTTP, cookie-keeping browsers.
 */
const rig = useConnectRig();
const MINUTE = 60_000;

/** A refusal page: status, title, the security headers, and no secret of the test in it. */
function expectPage(page: BrowserResponse, status: number, title: string): void {
  expect(page.status, page.body).toBe(status);
  expect(page.body).toContain(`<h1>${title}</h1>`);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expectSecurityHeaders(page.headers);
}

/** Nothing stored: no user secret in SSM, and no provider exchanged a code. */
function expectNothingStored(): void {
  expect(userSecrets(rig)).toEqual([]);
  expect(exchanges(rig, 'google') + exchanges(rig, 'acme')).toBe(0);
}

/** The state of a consent `/start` redirected to. */
const stateOf = (start: BrowserResponse) =>
  new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';

describe('connect links refuse bad links', () => {
  it('refuses a tampered link at /start: no consent starts, no cookie is set', async () => {
    const link = await makeLink(rig, 'google-health', 'alice');
    const [version, payload = '', signature = ''] = tokenOf(link).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...claims, u: 'mallory' })).toString('base64url');
    const flipped = `${signature.slice(0, 5)}${signature[5] === 'A' ? 'B' : 'A'}${signature.slice(6)}`;
    const consentsBefore = rig.google.requestsTo('auth').length;
    for (const token of [`${version}.${forged}.${signature}`, `${version}.${payload}.${flipped}`, 'garbage', '']) {
      const page = await browser(rig).open(`${rig.server.url}start?t=${encodeURIComponent(token)}`);
      expectPage(page, 400, 'This link does not work');
      expect(page.headers.getSetCookie()).toEqual([]);
    }
    expect(rig.google.requestsTo('auth').length).toBe(consentsBefore);
    expectNothingStored();
    expect(
      rig.stdout
        .json()
        .filter((l) => l.message === 'refused a link')
        .map((l) => l.reason),
    ).toEqual(['bad-signature', 'bad-signature', 'malformed', 'malformed']);
  });

  it('refuses an expired link with a page that asks for a new one', async () => {
    const link = await makeLink(rig, 'google-health', 'alice', ['--expires', '1h']);
    rig.clockOffset = 61 * MINUTE;
    expectPage(await browser(rig).open(link), 410, 'This link has expired');
    expectNothingStored();
  });

  it('works once: the same link, opened again in any browser after it connected, is refused', async () => {
    const link = await makeLink(rig, 'acme', 'alice');
    const first = browser(rig);
    expect((await first.open(link)).status).toBe(200);
    const token = storedSecret(rig, 'acme', 'alice');
    expect(token).toBeDefined();
    expectPage(await first.open(link), 410, 'This link was already used');
    expectPage(await browser(rig).open(link), 410, 'This link was already used');
    expect(storedSecret(rig, 'acme', 'alice')).toBe(token);
    expect(rig.acme.requestsTo('token')).toHaveLength(1);
  });

  it('stores one grant when two browsers race through the same link: the second is refused', async () => {
    const link = await makeLink(rig, 'google-health', 'alice');
    const first = browser(rig);
    let firstPage: BrowserResponse | undefined;
    // The second browser is at Google when the first one finishes the same link.
    const second = browser(rig, async (url) => {
      if (url.pathname === '/callback' && !firstPage) firstPage = await first.open(link);
    });
    const secondPage = await second.open(link);
    expect(firstPage?.status).toBe(200);
    expectPage(secondPage, 410, 'This link was already used');
    // The second browser's code was never exchanged: the one grant is the first browser's.
    expect(exchanges(rig, 'google')).toBe(1);
    expect(rig.google.liveRefreshTokens()).toContain(storedSecret(rig, 'google-health', 'alice'));
    expect(rig.stdout.text()).toContain('refused a callback of a link that was used meanwhile');
  });

  it('stores one grant when two browsers finish the same link at the same moment', async () => {
    const link = await makeLink(rig, 'acme', 'alice');
    // Both browsers reach the callback; both code exchanges are then in flight at once.
    let arrived = 0;
    let bothArrived = () => {};
    const barrier = new Promise<void>((resolve) => {
      bothArrived = resolve;
    });
    const atCallback = async (url: URL) => {
      if (url.pathname !== '/callback') return;
      arrived += 1;
      if (arrived === 2) {
        rig.acme.hold();
        bothArrived();
      }
      await barrier;
    };
    const pages = Promise.all([browser(rig, atCallback).open(link), browser(rig, atCallback).open(link)]);
    await vi.waitFor(() => expect(exchanges(rig, 'acme')).toBe(2));
    rig.acme.release();
    const statuses = (await pages).map((page) => page.status).sort();
    expect(statuses).toEqual([200, 410]);
    expect(userSecrets(rig)).toEqual([`${PREFIX}/acme/alice/token`]);
    expect(rig.acme.liveRefreshTokens()).toContain(storedSecret(rig, 'acme', 'alice'));
    expect(rig.stdout.text()).toContain('another browser finished the same link first; this grant was not stored');
  });

  it('refuses links signed before a key rotation, and consents in flight across it', async () => {
    const old = await makeLink(rig, 'google-health', 'alice');
    const inFlight = browser(rig);
    const started = await inFlight.open(await makeLink(rig, 'google-health', 'bob'), { follow: false });
    expect(started.status).toBe(302);
    const rotated = await cli(rig, ['connect-link', '--rotate-key']);
    expect(rotated.code).toBe(0);
    // A warm function rereads the key within seconds.
    rig.clockOffset = 6000;
    expectPage(await browser(rig).open(old), 400, 'This link does not work');
    expectPage(await inFlight.open(started.headers.get('location') ?? ''), 400, 'Nothing to finish here');
    expectNothingStored();
    // Links made with the new key work.
    expect((await browser(rig).open(await makeLink(rig, 'google-health', 'alice'))).status).toBe(200);
    expect(storedSecret(rig, 'google-health', 'alice')).toBeDefined();
  });
});

describe('connect links refuse bad callbacks', () => {
  it('refuses a callback opened in a browser that did not start it (RFC 6749 §10.12), storing nothing', async () => {
    // An attacker starts a consent with their own link and sends the victim the callback address.
    const attacker = browser(rig, (url) => {
      if (url.pathname === '/callback') throw Object.assign(new Error('stop'), { callback: url.href });
    });
    const stopped = await attacker.open(await makeLink(rig, 'google-health', 'mallory')).catch((e) => e);
    const callback = (stopped as { callback?: string }).callback ?? '';
    expect(callback).toMatch(/[?&]code=/);
    const victim = browser(rig);
    expectPage(await victim.open(callback), 400, 'This browser did not start this connection');
    expectNothingStored();
  });

  it('refuses a wrong state, and a state cookie moved under another state', async () => {
    const b = browser(rig);
    const start = await b.open(await makeLink(rig, 'google-health', 'alice'), { follow: false });
    const state = stateOf(start);
    const [cookie] = b.cookiesFor(rig.server.url);
    const other = 'x'.repeat(43);
    expectPage(
      await b.open(`${rig.server.url}callback?code=c&state=${other}`),
      400,
      'This browser did not start this connection',
    );
    // The sealed state of this consent, presented under the name of another state's cookie.
    const otherName = (
      await browser(rig).open(await makeLink(rig, 'google-health', 'alice'), { follow: false })
    ).headers
      .getSetCookie()[0]
      ?.split('=')[0];
    const otherState = stateOf(await browser(rig).open(await makeLink(rig, 'google-health', 'bob'), { follow: false }));
    const moved = await fetch(`${rig.server.url}callback?code=c&state=${state === otherState ? other : otherState}`, {
      headers: { cookie: `${otherName}=${cookie?.value}` },
    });
    expect(moved.status).toBe(400);
    // A cookie changed by one character does not open.
    const name = cookie?.name ?? '';
    const value = cookie?.value ?? '';
    const altered = `${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`;
    const tampered = await fetch(`${rig.server.url}callback?code=c&state=${state}`, {
      headers: { cookie: `${name}=${altered}` },
    });
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).toContain('Nothing to finish here');
    expectNothingStored();
  });

  it('refuses a replayed callback before it reaches the provider', async () => {
    const b = browser(rig);
    const done = await b.open(await makeLink(rig, 'acme', 'alice'));
    expect(done.status).toBe(200);
    const stored = storedSecret(rig, 'acme', 'alice');
    const callback = b.history.at(-1);
    // The same request again, with the same cookie (a captured request replayed).
    const replay = await fetch(callback?.url ?? '', { headers: { cookie: callback?.cookie ?? '' } });
    expect(replay.status).toBe(409);
    expect(await replay.text()).toContain('This connection was already finished');
    // The browser's reload of the page says the same.
    expectPage(await b.open(callback?.url ?? ''), 409, 'This connection was already finished');
    expect(exchanges(rig, 'acme')).toBe(1);
    expect(storedSecret(rig, 'acme', 'alice')).toBe(stored);
  });

  it('refuses a consent that took longer than 15 minutes', async () => {
    const b = browser(rig, (url) => {
      if (url.pathname === '/callback') rig.clockOffset = 16 * MINUTE;
    });
    const page = await b.open(await makeLink(rig, 'google-health', 'alice'));
    expectPage(page, 400, 'The connection took too long');
    expect(page.headers.getSetCookie()[0]).toMatch(/^__Host-life-stats-connect-[^=]+=; Max-Age=0; Path=\//);
    expectNothingStored();
  });

  it('stores nothing when the user presses "deny", and the link still works afterwards', async () => {
    const link = await makeLink(rig, 'google-health', 'alice');
    const b = browser(rig);
    const start = await b.open(link, { follow: false });
    // What Google sends back when the user clicks "Cancel" (RFC 6749 §4.1.2.1).
    const denied = await b.open(`${rig.server.url}callback?error=access_denied&state=${stateOf(start)}`);
    expectPage(denied, 403, 'Not connected');
    expect(denied.body).toContain('Access to Google was not allowed');
    expectNothingStored();
    expect((await b.open(link)).status).toBe(200);
    expect(storedSecret(rig, 'google-health', 'alice')).toBeDefined();
  });

  it('stores nothing when the provider refuses the code, without showing its answer', async () => {
    const link = await makeLink(rig, 'google-health', 'alice');
    rig.google.inject('token', { status: 400, json: { error: 'invalid_grant', error_description: 'Bad Request <x>' } });
    const page = await browser(rig).open(link);
    expectPage(page, 400, 'Google did not confirm the connection');
    expect(page.body).not.toContain('invalid_grant');
    expect(page.body).not.toContain('Bad Request');
    expect(userSecrets(rig)).toEqual([]);
    // Nothing was used up: the same link connects on the next try.
    expect((await browser(rig).open(link)).status).toBe(200);
    expect(storedSecret(rig, 'google-health', 'alice')).toBeDefined();
  });
});

describe('the connect function', () => {
  it('takes the redirect URI from connect.baseUrl, never from the request', async () => {
    const start = await browser(rig).open(await makeLink(rig, 'google-health', 'alice'), {
      follow: false,
      headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example' },
    });
    const consent = new URL(start.headers.get('location') ?? '');
    expect(consent.searchParams.get('redirect_uri')).toBe(`${rig.server.url}callback`);
  });

  it('answers other paths 404, other methods 405, and a bare callback 400, all with the security headers', async () => {
    const notFound = await browser(rig).open(`${rig.server.url}admin`);
    expectPage(notFound, 404, 'Not found');
    const post = await fetch(`${rig.server.url}start?t=x`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expectSecurityHeaders(post.headers);
    expectPage(await browser(rig).open(`${rig.server.url}callback`), 400, 'Nothing to finish here');
  });

  it('refuses every link while the secret store has no signing key, and logs why', async () => {
    const link = await makeLink(rig, 'google-health', 'alice');
    rig.ssm.parameters.delete(`${PREFIX}/connect/signing_key`);
    expectPage(await browser(rig).open(link), 400, 'This link does not work');
    const errors = rig.stdout.json().filter((l) => l.level === 'ERROR');
    expect(errors.map((l) => l.message)).toEqual([
      'a link was opened, but the secret store has no connect signing key: no link can be valid',
    ]);
  });

  it('says "not available yet" while the OAuth client is not set', async () => {
    rig.ssm.parameters.delete(`${PREFIX}/acme/client_id`);
    const link = await makeLink(rig, 'acme', 'alice');
    const consents = rig.acme.requestsTo('authorize').length;
    expectPage(await browser(rig).open(link), 503, 'Connecting is not available yet');
    expect(rig.acme.requestsTo('authorize').length).toBe(consents);
    expect(userSecrets(rig)).toEqual([]);
    expect(rig.stdout.json().find((l) => l.level === 'ERROR')?.hint).toBe(
      'life-stats secrets set acme client_id (and client_secret)',
    );
  });

  it('keeps a link usable when the token could not be stored', async () => {
    const link = await makeLink(rig, 'acme', 'alice');
    rig.ssm.denyAccess((operation, name) => operation === 'PutParameter' && name.endsWith('/alice/token'));
    const failed = await browser(rig).open(link);
    expectPage(failed, 500, 'Something went wrong');
    expect(userSecrets(rig)).toEqual([]);
    rig.ssm.denyAccess();
    expect((await browser(rig).open(link)).status).toBe(200);
    expect(rig.acme.liveRefreshTokens()).toContain(storedSecret(rig, 'acme', 'alice'));
  });

  it('logs no link, state, code or key in any refusal', async () => {
    const link = await makeLink(rig, 'google-health', 'alice');
    const b = browser(rig);
    const start = await b.open(link, { follow: false });
    await b.open(`${rig.server.url}callback?error=access_denied&state=${stateOf(start)}`);
    await browser(rig).open(`${link}x`);
    const key = rig.ssm.parameters.get(`${PREFIX}/connect/signing_key`)?.value;
    const cookie = start.headers.getSetCookie()[0]?.split(';')[0]?.split('=')[1];
    expectNoSecret(rig.stdout.text(), [tokenOf(link), stateOf(start), key, cookie, rig.google.clientSecret]);
  });
});
