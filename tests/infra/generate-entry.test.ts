import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedConfig, PluginEntry } from '@life-stats/core';
import { generateEntry } from '@life-stats/infra';
import { createTempProject } from '@life-stats/testing/temp-project';
import { afterAll, describe, expect, it } from 'vitest';

const project = createTempProject({ 'data/in.csv': 'date,v\n', 'plugin.mjs': 'export default {}' });
const elsewhere = mkdtempSync(join(tmpdir(), 'life-stats-elsewhere-'));
writeFileSync(join(elsewhere, 'key.pem'), 'not for the cloud');

afterAll(() => {
  project.remove();
  rmSync(elsewhere, { recursive: true, force: true });
});

function entry(index: number, enabled: boolean, config: Record<string, unknown>): PluginEntry {
  return {
    index,
    use: './plugin.mjs',
    enabled,
    metric: `m${index}`,
    schedule: 'rate(1 day)',
    config,
    ...(enabled ? { loaded: { plugin: {} as never, resolvedPath: project.path('plugin.mjs') } } : {}),
  };
}

const config: LoadedConfig = {
  filepath: project.path('life-stats.config.json'),
  dir: project.dir,
  timezone: 'UTC',
  backfillDays: 7,
  storage: { type: 'sqlite', path: project.path('db') },
  secrets: { type: 'env' },
  users: [],
  plugins: [
    entry(0, true, { file: project.path('data/in.csv'), key: join(elsewhere, 'key.pem'), note: 'text' }),
    entry(1, true, { file: project.path('data/missing.csv') }),
    entry(2, false, { file: project.path('data/in.csv') }),
  ],
};

describe('generateEntry', () => {
  const generated = generateEntry(config);

  it('imports a plugin serving several enabled entries once, and none for a disabled entry', () => {
    expect(generated.source.match(/^import \* as plugin\d+ from .*$/gm)).toEqual([
      `import * as plugin0 from ${JSON.stringify(project.path('plugin.mjs'))};`,
    ]);
  });

  it("ships existing files inside the config's folder and names the ones outside it", () => {
    expect(generated.files).toEqual(['data/in.csv']);
    expect(generated.outside).toEqual([`plugins[0].config.key: ${join(elsewhere, 'key.pem')}`]);
    expect(generated.source).not.toContain('not for the cloud');
    expect(generated.source).toContain('"file":"data/in.csv"');
    expect(generated.source).toContain('"files":["file"]');
  });

  it('carries the zones checked for a cold start without ICU: canonical Area/Location names only', () => {
    const zoned = generateEntry({
      ...config,
      timezone: 'Europe/Berlin',
      users: [
        { id: 'a', timezone: 'America/New_York' },
        { id: 'b', timezone: 'Etc/GMT+5' },
        { id: 'c', timezone: 'europe/berlin' },
        { id: 'd', timezone: 'Europe/Berlin' },
      ],
    });
    expect(zoned.source).toContain('"processZones":["America/New_York","Europe/Berlin"]');
    // UTC needs no list: the handler reads it from the Date's UTC fields.
    expect(generated.source).not.toContain('processZones');
  });
});
