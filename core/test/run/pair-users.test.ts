/** Whose pairs a run has (DESIGN.md "Users"), and who is skipped for want of a secret. */
import { at, makeConfig, tempDir } from '@life-stats/testing/engine';
import { describe, expect, it } from 'vitest';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import { runPairs } from '../../src/run/run-pairs.js';
import { closeStoresAfterEach, stores } from './engine-rig.js';

closeStoresAfterEach();

describe('runPairs: users', () => {
  it('users are config users ∪ users with secrets in the namespace ∪ users with run rows; no secrets → skipped', async () => {
    const dir = tempDir();
    const seen: string[] = [];
    const plugin = definePlugin({
      id: 'acme-water',
      apiVersion: 1,
      metric: { type: 'water_ml' },
      secrets: { namespace: 'acme', user: ['api_key'], shared: ['client_id'] },
      async fetch(ctx) {
        seen.push(`${ctx.user.id}:${ctx.secrets.get('api_key')}:${ctx.secrets.get('client_id')}`);
        return [];
      },
    });
    const { storage, secrets } = stores(dir);
    await secrets.set('acme', 'client_id', 'shared-client');
    await secrets.set('acme', 'api_key', 'key-of-bob', 'bob');
    await secrets.set('other', 'api_key', 'key-of-eve', 'eve');
    await storage.putCursor({ user_id: 'carol', metric_type: 'water_ml', last_status: 'ok' });
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin }], { users: [{ id: 'me', timezone: 'UTC' }] }),
      storage,
      secrets,
      now: at('2026-11-25T12:00:00Z'),
    });
    const byUser = Object.fromEntries(summary.runs.map((r) => [r.user, r]));
    expect(Object.keys(byUser).sort()).toEqual(['bob', 'carol', 'me']);
    expect(byUser.bob?.status).toBe('ok');
    expect(byUser.me).toMatchObject({
      status: 'skipped',
      hint: expect.stringContaining('life-stats secrets set acme api_key --user me'),
    });
    expect(byUser.carol?.status).toBe('skipped');
    expect(seen).toEqual(['bob:key-of-bob:shared-client']);
  });

  it('never skips a user of a plugin that declares no user secret, even one with shared secrets', async () => {
    const dir = tempDir();
    const plugin = definePlugin({
      id: 'team-board',
      apiVersion: 1,
      metric: { type: 'board' },
      secrets: { shared: ['api_key'] },
      async fetch(ctx) {
        return [{ date: ctx.window.end, value: ctx.secrets.get('api_key') ? 1 : 0 }];
      },
    });
    const { storage, secrets } = stores(dir);
    await secrets.set('team-board', 'api_key', 'team-key');
    const summary = await runPairs({
      config: makeConfig(dir, [{ plugin }], { users: [{ id: 'nobody', timezone: 'UTC' }] }),
      storage,
      secrets,
      now: at('2026-11-25T12:00:00Z'),
    });
    expect(summary.runs).toMatchObject([{ user: 'nobody', status: 'ok', items: 1 }]);
    expect(await storage.queryMetrics()).toMatchObject([{ user_id: 'nobody', date: '2026-11-25', value: 1 }]);
  });
});
