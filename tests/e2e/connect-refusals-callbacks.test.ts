import { describe, expect, it } from 'vitest';
import {
  browser,
  exchanges,
  expectNothingStored,
  expectPage,
  makeLink,
  stateOf,
  storedSecret,
  useConnectRig,
  userSecrets,
} from './support/connect-rig.js';

/**
 * Connect links refuse every bad callback — from another browser (RFC 6749 §10.12), with a wrong,
 * moved, altered or replayed state, after 15 minutes, after "deny", when the provider refuses the
 * code, when the token cannot be stored — with a 4xx page, nothing stored, and the link still
 * usable where the user did nothing wrong. Real HTTP, cookie-keeping browsers.
 */
const rig = useConnectRig();
const MINUTE = 60_000;

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
    expectNothingStored(rig);
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
    expectNothingStored(rig);
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
    expectNothingStored(rig);
  });

  it('stores nothing when the user presses "deny", and the link still works afterwards', async () => {
    const link = await makeLink(rig, 'google-health', 'alice');
    const b = browser(rig);
    const start = await b.open(link, { follow: false });
    // What Google sends back when the user clicks "Cancel" (RFC 6749 §4.1.2.1).
    const denied = await b.open(`${rig.server.url}callback?error=access_denied&state=${stateOf(start)}`);
    expectPage(denied, 403, 'Not connected');
    expect(denied.body).toContain('Access to Google was not allowed');
    expectNothingStored(rig);
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
