import { describe, expect, it } from 'vitest';
import { hasErrorCode } from '../../src/errors.js';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import { createTestContext, DEFAULT_TEST_WINDOW } from '../../src/testing/test-context.js';

const plugin = definePlugin({
  id: 'acme-water',
  apiVersion: 1,
  metric: { type: 'water_ml' },
  secrets: { namespace: 'acme', user: ['token'], shared: ['client_id'] },
  async fetch() {
    return [];
  },
});

describe('createTestContext', () => {
  it('gives a default user, window, config, metric and a signal that is not aborted', () => {
    const { ctx } = createTestContext();
    expect(ctx.user).toEqual({ id: 'test-user', timezone: 'UTC' });
    expect(ctx.window).toEqual(DEFAULT_TEST_WINDOW);
    expect(ctx.config).toEqual({});
    expect(ctx.metric).toBe('test');
    expect(ctx.signal.aborted).toBe(false);
  });

  it('takes the plugin metric, a partial user, a window, config and a signal', () => {
    const controller = new AbortController();
    const { ctx } = createTestContext({
      plugin,
      user: { timezone: 'Europe/Berlin' },
      window: { start: '2026-01-01', end: '2026-01-02' },
      config: { baseUrl: 'http://127.0.0.1:1' },
      signal: controller.signal,
    });
    expect(ctx.user).toEqual({ id: 'test-user', timezone: 'Europe/Berlin' });
    expect(ctx.window).toEqual({ start: '2026-01-01', end: '2026-01-02' });
    expect(ctx.config).toEqual({ baseUrl: 'http://127.0.0.1:1' });
    expect(ctx.metric).toBe('water_ml');
    expect(ctx.signal).toBe(controller.signal);
  });

  it('reads declared secrets and denies undeclared ones like core, remembering the attempt', () => {
    const { ctx, deniedSecrets } = createTestContext({
      plugin,
      secrets: { token: 'rt-1', client_id: 'cid', other: 'x' },
    });
    expect(ctx.secrets.get('token')).toBe('rt-1');
    expect(ctx.secrets.get('client_id')).toBe('cid');
    let caught: unknown;
    try {
      ctx.secrets.get('other');
    } catch (error) {
      caught = error;
    }
    expect(hasErrorCode(caught, 'E_SECRET_ACCESS')).toBe(true);
    expect((caught as Error).message).toContain(
      '[plugin:acme-water] may not use secret "other": it is not declared in the plugin\'s manifest (declared user secrets: token; shared secrets: client_id)',
    );
    expect(deniedSecrets).toEqual(['other']);
  });

  it('returns undefined for a declared secret that is not set', () => {
    const { ctx } = createTestContext({ plugin });
    expect(ctx.secrets.get('token')).toBeUndefined();
  });

  it('records writes of user secrets, which later reads see, and refuses shared or undeclared ones', async () => {
    const { ctx, secretWrites, deniedSecrets } = createTestContext({ plugin, secrets: { token: 'old' } });
    await ctx.secrets.set('token', 'new');
    expect(ctx.secrets.get('token')).toBe('new');
    expect(secretWrites).toEqual([{ name: 'token', value: 'new' }]);
    await expect(ctx.secrets.set('client_id', 'x')).rejects.toMatchObject({ code: 'E_SECRET_ACCESS' });
    await expect(ctx.secrets.set('nope', 'x')).rejects.toMatchObject({ code: 'E_SECRET_ACCESS' });
    expect(deniedSecrets).toEqual(['client_id', 'nope']);
    expect(secretWrites).toHaveLength(1);
  });

  it('allows any secret when no plugin is given', () => {
    const { ctx } = createTestContext({ secrets: { anything: 'v' } });
    expect(ctx.secrets.get('anything')).toBe('v');
  });

  it('captures every log line with its level and plugin/user fields', () => {
    const { ctx, logs } = createTestContext({ plugin });
    ctx.log.debug('starting', { page: 1 });
    ctx.log.child({ request: 'r1' }).warn('slow');
    expect(logs.map((l) => [l.level, l.message, l.fields])).toEqual([
      ['debug', 'starting', { plugin: 'acme-water', user: 'test-user', page: 1 }],
      ['warn', 'slow', { plugin: 'acme-water', user: 'test-user', request: 'r1' }],
    ]);
  });
});
