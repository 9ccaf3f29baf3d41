import { FAST_RETRY } from '@life-stats/testing/engine';
import { describe, expect } from 'vitest';
import { expectedDays, faultCase } from './support/case.js';
import {
  cleanUpAfterEach,
  DAYS,
  faultThenHeal,
  goodDays,
  HEALING_RUN,
  sourceValue,
} from './support/plugin-scenario.js';
import { sqliteRows, sqliteRun } from './support/rows.js';

cleanUpAfterEach();

describe('plugin faults: the fetch result is rejected whole, the next run heals', () => {
  faultCase('plugin', 'fetch throws', async (c) => {
    await faultThenHeal(c, {
      id: 'throws',
      broken: async () => {
        throw new Error('upstream parser choked on row 7');
      },
      problem: ['upstream parser choked on row 7'],
      // A plugin's own error is shown as thrown; the pair (and its log line) names the plugin.
      messageNamesPlugin: false,
      after: (_first, records) => {
        // Not transient: failed at once, no retries.
        expect(records.filter((r) => r.message.startsWith('attempt '))).toEqual([]);
      },
    });
  });

  faultCase('plugin', 'returns NaN for one day among good days', async (c) => {
    await faultThenHeal(c, {
      id: 'nan-day',
      broken: async (ctx) => goodDays(ctx).map((o, i) => (i === 2 ? { ...o, value: Number.NaN } : o)),
      problem: [
        'fetch() returned a bad observation: item 2',
        '"date":"2026-11-24","value":NaN',
        'value NaN is not a finite number',
      ],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns Infinity for the last day', async (c) => {
    await faultThenHeal(c, {
      id: 'infinite-day',
      broken: async (ctx) => goodDays(ctx).map((o, i, all) => (i === all.length - 1 ? { ...o, value: Infinity } : o)),
      problem: ['item 3', 'value Infinity is not a finite number'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns a number no store can keep (1e200)', async (c) => {
    await faultThenHeal(c, {
      id: 'huge-value',
      // A unit bug (bytes → exabytes, a factorial…): SQLite could keep it, DynamoDB cannot.
      broken: async (ctx) => goodDays(ctx).map((o, i) => (i === 0 ? { ...o, value: 1e200 } : o)),
      problem: ['item 0', 'value 1e+200 is too large to store'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns a string value', async (c) => {
    await faultThenHeal(c, {
      id: 'string-value',
      broken: async (ctx) => goodDays(ctx).map((o, i) => (i === 1 ? { ...o, value: String(o.value) } : o)),
      problem: ['item 1', 'value "1069.25" is a string, not a number'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns a date outside the window', async (c) => {
    await faultThenHeal(c, {
      id: 'outside-window',
      // An off-by-one in the plugin's own date range: one day too many at the start.
      broken: async (ctx) => [{ date: '2026-11-21', value: 1 }, ...goodDays(ctx)],
      problem: ['item 0', 'date 2026-11-21 is outside the window 2026-11-22..2026-11-25'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns the same date twice', async (c) => {
    await faultThenHeal(c, {
      id: 'twice',
      // Two records for one day (e.g. two devices) that the plugin forgot to sum.
      broken: async (ctx) => [...goodDays(ctx), { date: '2026-11-23', value: 5 }],
      problem: ['item 4', 'date 2026-11-23 appears twice (first at item 1)', 'at most one value per day'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'returns a date that is not on the calendar (2026-02-30)', async (c) => {
    await faultThenHeal(c, {
      id: 'bad-date',
      broken: async (ctx) => [...goodDays(ctx), { date: '2026-02-30', value: 7 }],
      problem: ['item 4', 'date 2026-02-30 is not a real calendar date'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'resolves to something that is not an array', async (c) => {
    await faultThenHeal(c, {
      id: 'not-array',
      // A plugin that returns the provider's envelope instead of its list.
      broken: async (ctx) => ({ days: goodDays(ctx) }),
      problem: ['fetch() must resolve to an array of { date, value }, got object {"days":'],
      messageNamesPlugin: true,
    });
  });

  faultCase('plugin', 'never resolves and ignores its abort signal', async (c) => {
    let hung = 0;
    await faultThenHeal(c, {
      id: 'hangs',
      broken: () => {
        hung++;
        return new Promise(() => {});
      },
      fetchTimeoutMs: 40,
      problem: ['fetch did not finish within 40 ms', 'the plugin ignores ctx.signal'],
      messageNamesPlugin: false,
      after: (_first, records) => {
        // A timeout is transient: every attempt was made, each one given up on after 40 ms.
        expect(hung).toBe(FAST_RETRY.retries + 1);
        expect(records.filter((r) => r.level === 'warn' && r.message.startsWith('attempt '))).toHaveLength(
          FAST_RETRY.retries,
        );
      },
    });
  });

  faultCase('plugin', "throws an error that carries the user's token: the message is masked", async (c) => {
    let token = '';
    await faultThenHeal(c, {
      id: 'careless',
      secrets: { user: ['token'], shared: ['client_secret'] },
      broken: async (ctx) => {
        const t = ctx.secrets.get('token');
        ctx.log.warn(`calling with ${t} and ${ctx.secrets.get('client_secret')}`);
        throw new Error(`provider said 401 for Bearer ${t}`);
      },
      plant: async (c, set) => {
        token = c.secret('careless-token');
        await set('careless', 'token', token, 'me');
        await set('careless', 'client_secret', c.secret('careless-client-secret'));
      },
      problem: ['provider said 401 for Bearer [redacted]'],
      messageNamesPlugin: false,
      after: (first, records) => {
        expect(JSON.stringify(first)).not.toContain(token);
        expect(records.find((r) => r.level === 'warn')?.message).toBe('calling with [redacted] and [redacted]');
      },
    });
  });

  faultCase('plugin', 'rotates its refresh token, then throws: the new token is kept and never shown', async (c) => {
    let old = '';
    let rotated = '';
    await faultThenHeal(c, {
      id: 'rotating',
      secrets: { user: ['token'] },
      plant: async (c, set) => {
        old = c.secret('old-refresh-token');
        rotated = c.secret('rotated-refresh-token');
        await set('rotating', 'token', old, 'me');
      },
      broken: async (ctx) => {
        // The provider rotated the token on refresh (the old one is now dead), then the data call failed.
        await ctx.secrets.set('token', rotated);
        throw new Error(`data call failed after refreshing to ${rotated} from ${ctx.secrets.get('token')}`);
      },
      fixed: async (ctx) => {
        if (ctx.secrets.get('token') !== rotated) throw new Error('invalid_grant: the old refresh token was revoked');
        return goodDays(ctx);
      },
      problem: ['data call failed after refreshing to [redacted] from [redacted]'],
      messageNamesPlugin: false,
    });
  });

  faultCase(
    'plugin',
    'answers only after its timeout, with stale values: the late answer is never written',
    async (c) => {
      const late: Promise<unknown>[] = [];
      const { file } = await faultThenHeal(c, {
        id: 'too-late',
        fetchTimeoutMs: 40,
        broken: (ctx) => {
          const answer = new Promise((resolve) =>
            setTimeout(() => resolve(goodDays(ctx).map((o) => ({ ...o, value: 999 }))), 150),
          );
          late.push(answer);
          return answer;
        },
        problem: ['fetch did not finish within 40 ms'],
        messageNamesPlugin: false,
      });
      // Every late answer has arrived by now (some during the healing run): none reached the store.
      expect(late).toHaveLength(FAST_RETRY.retries + 1);
      await Promise.all(late);
      await new Promise((r) => setTimeout(r, 20));
      c.checkRows(expectedDays('me', 'level', DAYS, sourceValue), sqliteRows(file));
      expect(sqliteRun(file, 'me', 'level')?.last_run_time).toBe(HEALING_RUN);
    },
  );

  faultCase('plugin', 'throws something that is not an Error (a string)', async (c) => {
    await faultThenHeal(c, {
      id: 'throws-string',
      broken: async () => {
        throw 'quota exceeded for today';
      },
      problem: ['quota exceeded for today'],
      messageNamesPlugin: false,
    });
  });

  faultCase('plugin', 'asks for a secret it did not declare; no planted secret leaks', async (c) => {
    const planted: string[] = [];
    await faultThenHeal(c, {
      id: 'greedy',
      secrets: { user: ['token'] },
      broken: async (ctx) => {
        const token = ctx.secrets.get('token');
        // The author reaches for another credential, with the user's token in the message if it fails.
        const other = ctx.secrets.get('api_key');
        throw new Error(`unreachable: ${token} ${other}`);
      },
      plant: async (c, set) => {
        const token = c.secret('greedy-token');
        const undeclaredSameNamespace = c.secret('greedy-api-key');
        const otherPlugins = c.secret('other-plugin-token');
        planted.push(token, undeclaredSameNamespace, otherPlugins);
        await set('greedy', 'token', token, 'me');
        await set('greedy', 'api_key', undeclaredSameNamespace, 'me');
        await set('greedy', 'api_key', undeclaredSameNamespace);
        await set('other-plugin', 'token', otherPlugins, 'me');
      },
      problem: [
        'may not use secret "api_key"',
        "it is not declared in the plugin's manifest (declared user secrets: token; shared secrets: none)",
        'Declare "api_key" in the plugin\'s `secrets.user` or `secrets.shared`',
      ],
      messageNamesPlugin: true,
      after: (first) => {
        for (const value of planted) expect(JSON.stringify(first)).not.toContain(value);
      },
    });
  });
});
