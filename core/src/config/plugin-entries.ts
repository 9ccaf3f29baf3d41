import { type ConfigProblem, isLifeStatsError } from '../errors.js';
import { resolveEntryMetric } from '../plugins/data-types.js';
import { loadPlugin } from '../plugins/load-plugin.js';
import { isRecord } from '../util/is-record.js';
import { resolveConfigPaths, validatePluginConfig } from './plugin-config.js';
import { validateSchedule } from './schedule.js';
import type { LoadedPlugin, PluginEntry } from './types.js';
import { cloneJson } from './validate-config.js';

export interface ResolveEntriesOptions {
  /** The config file's folder. */
  dir: string;
  /** The working directory (second place plugins are searched). */
  cwd: string;
  /** Import enabled entries' plugins and validate their configs. @default true */
  loadPlugins?: boolean;
}

export interface ResolvedEntries {
  entries: PluginEntry[];
  problems: ConfigProblem[];
}

interface RawEntry {
  use: string;
  metric?: string;
  schedule?: string;
  enabled?: boolean;
  config?: unknown;
  rateLimit?: { requestsPerMinute: number };
}

/**
 * Turn the `plugins` array of a config file (already schema-checked, possibly with problems) into
 * entries: load each enabled entry's plugin, validate its `config` against the plugin's schema,
 * settle its metric and schedule, and check that no two enabled entries write the same metric.
 * Every problem is collected; items the schema already rejected are skipped.
 */
export async function resolveEntries(plugins: unknown, options: ResolveEntriesOptions): Promise<ResolvedEntries> {
  const items = Array.isArray(plugins) ? plugins : [];
  const problems: ConfigProblem[] = [];
  const loadPlugins = options.loadPlugins ?? true;

  const resolved = await Promise.all(
    items.map(async (item: unknown, index) => {
      const raw = toRawEntry(item);
      if (!raw) return undefined;
      const enabled = raw.enabled !== false;
      if (!enabled || !loadPlugins) return { index, raw, enabled };
      try {
        return { index, raw, enabled, loaded: await loadPlugin(raw.use, { configDir: options.dir, cwd: options.cwd }) };
      } catch (error) {
        return { index, raw, enabled, loadError: describeLoadError(error) };
      }
    }),
  );

  const entries: PluginEntry[] = [];
  const metricOwner = new Map<string, number>();
  for (const item of resolved) {
    if (!item) continue;
    const { index, raw, enabled } = item;
    const loaded: LoadedPlugin | undefined = 'loaded' in item ? item.loaded : undefined;
    const path = `plugins[${index}]`;
    if ('loadError' in item && item.loadError !== undefined)
      problems.push({ path: `${path}.use`, message: item.loadError });
    const rawConfig = isRecord(raw.config) ? raw.config : raw.config === undefined ? undefined : null;

    let config: Record<string, unknown> = rawConfig ? cloneJson(rawConfig) : {};
    if (loaded && rawConfig !== null) {
      const result = validatePluginConfig(loaded.plugin.configSchema, rawConfig, {
        dir: options.dir,
        path: `${path}.config`,
      });
      problems.push(...result.problems);
      config = result.config;
    } else if (!loaded) {
      config = resolveConfigPaths(undefined, config, options.dir);
    }

    const schedule = raw.schedule ?? loaded?.plugin.schedule ?? '';
    if (loaded && raw.schedule === undefined) {
      const problem = validateSchedule(schedule);
      if (problem) {
        problems.push({
          path: `${path}.use`,
          message: `plugin ${loaded.plugin.id} has an invalid default schedule: ${problem}; set "schedule" on the entry`,
        });
      }
    }

    const resolvedMetric = loaded ? resolveEntryMetric(loaded.plugin, config) : undefined;
    const metric = raw.metric ?? resolvedMetric?.metric ?? '';
    // An entry whose data type did not validate has no metric of its own yet: its dataType problem
    // is reported already, and a collision with the plugin's default metric would only mislead.
    const unsettled = Boolean(loaded?.plugin.dataTypes) && !resolvedMetric?.dataType && raw.metric === undefined;
    if (enabled && metric !== '' && !unsettled) {
      const owner = metricOwner.get(metric);
      if (owner === undefined) metricOwner.set(metric, index);
      else {
        const of = resolvedMetric?.dataType
          ? `data type "${resolvedMetric.dataType}" of plugin ${loaded?.plugin.id}`
          : `plugin ${loaded?.plugin.id}`;
        const whose = raw.metric === undefined ? ` (the default metric of ${of})` : '';
        problems.push({
          path: `${path}.metric`,
          message: `"${metric}"${whose} is already written by plugins[${owner}]; give one of them another "metric"`,
        });
      }
    }

    entries.push({
      index,
      use: raw.use,
      enabled,
      metric,
      ...(resolvedMetric?.unit ? { unit: resolvedMetric.unit } : {}),
      ...(resolvedMetric?.dataType ? { dataType: resolvedMetric.dataType } : {}),
      schedule,
      config,
      ...(raw.rateLimit ? { rateLimit: { requestsPerMinute: raw.rateLimit.requestsPerMinute } } : {}),
      ...(loaded ? { loaded } : {}),
    });
  }
  return { entries, problems };
}

function toRawEntry(item: unknown): RawEntry | undefined {
  if (typeof item === 'string') return item === '' ? undefined : { use: item };
  if (isRecord(item) && typeof item.use === 'string' && item.use !== '') {
    return {
      use: item.use,
      ...(typeof item.metric === 'string' ? { metric: item.metric } : {}),
      ...(typeof item.schedule === 'string' ? { schedule: item.schedule } : {}),
      ...(typeof item.enabled === 'boolean' ? { enabled: item.enabled } : {}),
      ...(item.config === undefined ? {} : { config: item.config }),
      ...(isRecord(item.rateLimit) && typeof item.rateLimit.requestsPerMinute === 'number'
        ? { rateLimit: { requestsPerMinute: item.rateLimit.requestsPerMinute } }
        : {}),
    };
  }
  return undefined;
}

/** A loader error as one line of a config problem list, keeping its next step. */
function describeLoadError(error: unknown): string {
  if (!isLifeStatsError(error)) return `failed to load: ${error instanceof Error ? error.message : String(error)}`;
  const message = error.message
    .replace(/^\[life-stats\] /, '')
    .replace(/:\n\s+- /, ': ')
    .replace(/\n\s+- /g, '; ');
  return error.hint ? `${message}. ${error.hint}` : message;
}
