import { describe, expect, it } from 'vitest';
import * as index from '../src/index.js';
import * as plugin from '../src/plugin.js';

describe('@life-stats/core/plugin', () => {
  it('exports a subset of the index, the very same objects (an error thrown via one is instanceof via the other)', () => {
    const names = Object.keys(plugin);
    expect(names).toEqual(expect.arrayContaining(['definePlugin', 'LifeStatsError', 'RetryableError', 'localDate']));
    for (const name of names)
      expect({
        name,
        same: (index as Record<string, unknown>)[name] === (plugin as Record<string, unknown>)[name],
      }).toEqual({ name, same: true });
  });
});
