/** The run engine's tests' bench: real stores in a temp folder, closed after each case, and a daily plugin. */
import { makeStores } from '@life-stats/testing/engine';
import { afterEach } from 'vitest';
import { definePlugin } from '../../src/plugins/define-plugin.js';
import type { DateWindow } from '../../src/plugins/types.js';
import type { Storage } from '../../src/storage/types.js';
import { eachDate } from '../../src/util/dates.js';

const open: Storage[] = [];

/** Close the stores each case opened, after it. */
export function closeStoresAfterEach(): void {
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
}

/** Real stores in `dir`, closed after the case. */
export function stores(dir: string) {
  const s = makeStores(dir);
  open.push(s.storage);
  return s;
}

/** A plugin that returns `value(date)` for every date of its window and records the windows it saw. */
export function dailyPlugin(id = 'daily', value: (date: string) => number | undefined = () => 1) {
  const windows: { user: string; window: DateWindow }[] = [];
  const plugin = definePlugin({
    id,
    apiVersion: 1,
    metric: { type: id.replace(/-/g, '_') },
    async fetch(ctx) {
      windows.push({ user: ctx.user.id, window: ctx.window });
      return eachDate(ctx.window.start, ctx.window.end).flatMap((date) => {
        const v = value(date);
        return v === undefined ? [] : [{ date, value: v }];
      });
    },
  });
  return { plugin, windows };
}
