import { expectNoSecret } from '@life-stats/testing/assertions';
import type { BrowserResponse } from '@life-stats/testing/cookie-browser';
import { describe, expect, it, vi } from 'vitest';
import {
  browser,
  cli,
  exchanges,
  expectNothingStored,
  expectPage,
  expectSecurityHeaders,
  makeLink,
  PREFIX,
  stateOf,
  storedSecret,
  tokenOf,
  useConnectRig,
  userSecrets,
} from './support/connect-rig.js';

/**
 * Connect links refuse every forged, stale or used link — tampered, expired, used, raced through by
 * two browsers, signed before a key rotation — and the connect function's other requests, each
 * with a 4xx page that says what to do next, and nothing stored. Real HTTP, cookie-keeping browsers.
 */
const rig = useConnectRig();
const MINUTE = 60_000;

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
    expectNothingStored(rig);
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
    expectNothingStored(rig);
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
    expectNothingStored(rig);
    // Links made with the new key work.
    expect((await browser(rig).open(await makeLink(rig, 'google-health', 'alice'))).status).toBe(200);
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
