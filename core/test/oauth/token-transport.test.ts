import { rejection } from '@life-stats/testing/assertions';
import { describe, expect, it } from 'vitest';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import { classifyError } from '../../src/run/classify-error.js';
import type { FakeOAuthProvider } from '../../src/testing/fake-oauth-provider.js';
import { createTestContext } from '../../src/testing/test-context.js';
import { REFRESH, useQuirkyProvider } from './support/quirky-plugin.js';

/**
 * How core talks to a token endpoint whatever the provider: the client as HTTP Basic, tokens never
 * to a plain-HTTP endpoint off this machine, an unreachable endpoint retried, an abort honoured —
 * through the kit's `createTestContext` against the kit's fake provider (see provider-quirks.test.ts).
 */
const { start, context } = useQuirkyProvider();

describe('client authentication and transport', () => {
  it('sends the client as HTTP Basic when the manifest says client_secret_basic', async () => {
    const p = await start({ clientAuth: 'client_secret_basic' });
    const token = await context(p, { clientAuth: 'client_secret_basic' }).ctx.oauth!.accessToken();
    expect(p.accessTokens.has(token)).toBe(true);
    expect(p.requestsTo('token')[0]?.form?.client_secret).toBeUndefined();
    expect(p.requestsTo('token')[0]?.headers.authorization).toMatch(/^Basic /);
  });

  it('refuses to send tokens to a plain-HTTP token endpoint that is not on this machine', async () => {
    const { ctx } = createTestContext({
      plugin: definePlugin({
        id: 'quirky',
        apiVersion: 1,
        metric: { type: 'quirky' },
        oauth: {
          provider: 'Quirky',
          authUrl: 'https://q.example/auth',
          tokenUrl: 'http://q.example/token',
          scopes: [],
        },
        fetch: async () => [],
      }),
      secrets: { client_id: 'id', client_secret: 'secret-value', token: REFRESH },
    });
    const error = await rejection(ctx.oauth!.accessToken());
    expect(error.code).toBe('E_CONFIG');
    expect(error.message).toContain('is not HTTPS');
  });

  it('retries an unreachable token endpoint (a network failure), naming the host only', async () => {
    const p = await start({});
    const url = p.tokenUrl;
    await p.close();
    const { ctx } = context({ ...p, tokenUrl: url } as FakeOAuthProvider, {});
    const error = await rejection(ctx.oauth!.accessToken());
    expect(classifyError(error)).toBe('retry');
    expect(error.message).toContain(`could not reach ${new URL(url).host}`);
    expect(error.message).not.toContain(REFRESH);
  });

  it('rejects at once when ctx.signal is aborted, and while a refresh hangs', async () => {
    const p = await start({});
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    const aborted = createTestContext({
      plugin: definePlugin({
        id: 'quirky',
        apiVersion: 1,
        metric: { type: 'quirky' },
        oauth: { provider: 'Quirky', authUrl: p.authUrl, tokenUrl: p.tokenUrl, scopes: [] },
        fetch: async () => [],
      }),
      secrets: { client_id: p.clientId, client_secret: p.clientSecret, token: REFRESH },
      signal: controller.signal,
    });
    expect((await rejection(aborted.ctx.oauth!.accessToken())).message).toBe('stop now');

    p.hold();
    const later = new AbortController();
    const { ctx } = createTestContext({
      plugin: definePlugin({
        id: 'quirky',
        apiVersion: 1,
        metric: { type: 'quirky' },
        oauth: { provider: 'Quirky', authUrl: p.authUrl, tokenUrl: p.tokenUrl, scopes: [] },
        fetch: async () => [],
      }),
      secrets: { client_id: p.clientId, client_secret: p.clientSecret, token: REFRESH },
      signal: later.signal,
    });
    const pending = ctx.oauth!.accessToken();
    setTimeout(() => later.abort(new Error('stopped mid-refresh')), 50);
    expect((await rejection(pending)).message).toBe('stopped mid-refresh');
    p.release();
  });
});
