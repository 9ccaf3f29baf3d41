import { runCli } from '@life-stats/testing/cli';
import { pluginSource, useTempProjects } from '@life-stats/testing/temp-project';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { type ConfigError, hasErrorCode, type PluginLoadError } from '../../src/errors.js';
import { dataTypeProperty } from '../../src/plugins/data-types.js';
import { validateManifest } from '../../src/plugins/validate-manifest.js';

const DATA_TYPES = {
  steps: { metric: 'steps', unit: 'count' },
  distance: { metric: 'distance_m', unit: 'm' },
  weight: { metric: 'weight_kg', unit: 'kg' },
};

const schema = {
  type: 'object',
  properties: { dataType: dataTypeProperty(DATA_TYPES, { default: 'steps' }) },
  additionalProperties: false,
};

const temp = useTempProjects();
const project = (plugins: unknown[]) =>
  temp({
    'multi.mjs': pluginSource({ id: 'multi', metric: 'steps', configSchema: schema, dataTypes: DATA_TYPES }),
    'life-stats.config.json': { plugins },
  });

describe('plugins that read several kinds of data (dataType)', () => {
  it("an entry's default metric and unit come from its dataType; the entry's metric still overrides the name", async () => {
    const p = project([
      { use: './multi.mjs', config: { dataType: 'weight' } },
      { use: './multi.mjs', config: { dataType: 'distance' }, metric: 'walked' },
      { use: './multi.mjs' },
    ]);
    const config = await loadConfig({ cwd: p.dir, env: {} });
    expect(config.plugins.map((e) => [e.metric, e.unit, e.dataType])).toEqual([
      ['weight_kg', 'kg', 'weight'],
      ['walked', 'm', 'distance'],
      // the schema's default data type, applied before the metric is settled
      ['steps', 'count', 'steps'],
    ]);
  });

  it('an unknown dataType is a config problem with its path; two entries of one data type collide by metric', async () => {
    const p = project([
      { use: './multi.mjs', config: { dataType: 'wieght' } },
      { use: './multi.mjs', config: { dataType: 'distance' } },
      { use: './multi.mjs', config: { dataType: 'distance' } },
      { use: './multi.mjs', config: { dataType: 'steps' } },
    ]);
    let error: ConfigError | undefined;
    try {
      await loadConfig({ cwd: p.dir, env: {} });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(hasErrorCode(error, 'E_CONFIG')).toBe(true);
    const paths = error?.problems.map((problem) => problem.path);
    expect(paths).toContain('plugins[0].config.dataType');
    // The entry with the typo gets one problem, and claims no metric: plugins[3] may write "steps".
    expect(error?.problems.filter((problem) => problem.path.startsWith('plugins[0]'))).toHaveLength(1);
    expect(paths).not.toContain('plugins[3].metric');
    const collision = error?.problems.find((problem) => problem.path === 'plugins[2].metric');
    expect(collision?.message).toContain('"distance_m" (the default metric of data type "distance" of plugin multi)');
  });

  it('life-stats plugins shows the resolved metric and unit of every entry', async () => {
    const p = project([{ use: './multi.mjs', config: { dataType: 'weight' } }, { use: './multi.mjs' }]);
    const json = await runCli(['plugins', '--json'], { cwd: p.dir });
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout).plugins as { metric: string; unit: string; dataType: string }[];
    expect(listed.map((l) => [l.metric, l.unit, l.dataType])).toEqual([
      ['weight_kg', 'kg', 'weight'],
      ['steps', 'count', 'steps'],
    ]);
    const table = await runCli(['plugins'], { cwd: p.dir });
    expect(table.stdout).toMatch(/multi\s+\S*\s*weight_kg\s+kg\s+yes/);
  });
});

describe('validateManifest: dataTypes', () => {
  const base = { id: 'multi', apiVersion: 1, metric: { type: 'steps' }, fetch: async () => [] };

  function problems(manifest: Record<string, unknown>): string {
    try {
      validateManifest({ ...base, ...manifest }, 'multi');
    } catch (error) {
      return (error as PluginLoadError).message;
    }
    return '';
  }

  it('accepts declared data types with a matching dataType enum', () => {
    expect(problems({ dataTypes: DATA_TYPES, configSchema: schema })).toBe('');
    expect(validateManifest({ ...base, dataTypes: DATA_TYPES, configSchema: schema }, 'multi').dataTypes).toEqual(
      DATA_TYPES,
    );
  });

  it('names every problem: a bad metric, a missing unit, and an enum that does not list exactly the data types', () => {
    const text = problems({
      dataTypes: { steps: { metric: 'Steps', unit: 'count' }, sleep: { metric: 'sleep_minutes' } },
      configSchema: { type: 'object', properties: { dataType: { type: 'string', enum: ['steps'] } } },
    });
    expect(text).toContain('dataTypes.steps.metric: must match');
    expect(text).toContain('dataTypes.sleep.unit: must be a non-empty string');
    expect(text).toContain('configSchema.properties.dataType: must be a string enum of exactly the dataTypes');
  });

  it('refuses dataTypes without a dataType property in the config schema', () => {
    expect(problems({ dataTypes: DATA_TYPES })).toContain('configSchema.properties.dataType');
  });
});
