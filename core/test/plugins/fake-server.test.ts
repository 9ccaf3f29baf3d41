import { afterEach, describe, expect, it } from 'vitest';
import { type FakeServer, startFakeServer } from '../../src/testing/fake-server.js';

let server: FakeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startFakeServer', () => {
  it('serves routes on loopback and records each request with query, headers and parsed body', async () => {
    server = await startFakeServer({
      'POST /token': (req) => ({ json: { access_token: `at-for-${req.form?.refresh_token}`, expires_in: 3600 } }),
      'GET /v1/users/*/steps': { status: 200, headers: { 'x-fake': 'yes' }, body: 'plain' },
      '/any': { status: 204 },
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const token = await fetch(`${server.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=rt-1',
    });
    expect(token.status).toBe(200);
    expect(token.headers.get('content-type')).toBe('application/json');
    expect(await token.json()).toEqual({ access_token: 'at-for-rt-1', expires_in: 3600 });

    const steps = await fetch(`${server.url}/v1/users/me/steps?from=2026-11-18&to=2026-11-25`, {
      headers: { authorization: 'Bearer at' },
    });
    expect(steps.headers.get('x-fake')).toBe('yes');
    expect(await steps.text()).toBe('plain');

    const json = await fetch(`${server.url}/any`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(json.status).toBe(204);

    expect(server.requests).toMatchObject([
      { method: 'POST', path: '/token', form: { grant_type: 'refresh_token', refresh_token: 'rt-1' } },
      { method: 'GET', path: '/v1/users/me/steps', query: { from: '2026-11-18', to: '2026-11-25' } },
      { method: 'PUT', path: '/any', json: { a: 1 }, body: '{"a":1}' },
    ]);
    expect(server.requests[1]?.headers.authorization).toBe('Bearer at');
  });

  it('answers an unknown route with a 404 naming it, and a throwing route with a 500', async () => {
    server = await startFakeServer({
      'GET /boom': () => {
        throw new Error('kaput');
      },
    });
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'fake server: no route for GET /nope' });
    const boom = await fetch(`${server.url}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.text()).toContain('kaput');
    expect(server.requests.map((r) => r.path)).toEqual(['/nope', '/boom']);
  });

  it('takes a single handler for every request', async () => {
    server = await startFakeServer((req) => ({ json: { youAsked: `${req.method} ${req.path}` } }));
    expect(await (await fetch(`${server.url}/x/y`)).json()).toEqual({ youAsked: 'GET /x/y' });
  });

  it('delays an answer', async () => {
    server = await startFakeServer({ 'GET /slow': { delayMs: 150, json: {} } });
    const started = Date.now();
    await fetch(`${server.url}/slow`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('hangs until the client aborts, and still closes promptly', async () => {
    server = await startFakeServer({ 'GET /hang': { hang: true } });
    const controller = new AbortController();
    const pending = fetch(`${server.url}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow();
    // A second hanging request is left open: close() must not wait for it.
    void fetch(`${server.url}/hang`).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('drops the connection when asked, as a flaky provider does', async () => {
    server = await startFakeServer({ 'GET /reset': { destroy: true } });
    await expect(fetch(`${server.url}/reset`)).rejects.toThrow(/fetch failed/);
  });

  it('holds requests until released', async () => {
    server = await startFakeServer({ 'GET /x': { json: { ok: true } } });
    server.hold();
    let answered = false;
    const pending = fetch(`${server.url}/x`).then((r) => {
      answered = true;
      return r.json();
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requests).toHaveLength(1);
    expect(answered).toBe(false);
    server.release();
    expect(await pending).toEqual({ ok: true });
  });
});
