import { resolve } from 'node:path';
import { dataTypeProperty, definePlugin, type Observation, type PluginDataType } from '@life-stats/core/plugin';
import { DATA_TYPE_NAMES, DATA_TYPES, type DataTypeName } from './data-types.js';
import { PLUGIN_ID } from './errors.js';
import { openExport } from './open-export.js';
import { probeExportXml } from './parse-xml.js';
import { explainFailure } from './read-export.js';
import { sharedSummary, summaryKey } from './shared-summary.js';

export { DATA_TYPES, type DataTypeName } from './data-types.js';
export { AppleHealthExportError } from './errors.js';

/** The config of an `apple-health` entry. */
export type AppleHealthConfig = {
  /** The Health app's `export.zip`, or the `export.xml` inside it. Core resolves a relative path from the config file's folder. */
  file: string;
  /** Which daily number this entry writes (the Data types table). */
  dataType: DataTypeName;
  /**
   * Source names, highest priority first, for time where several sources recorded the same
   * cumulative quantity. Unlisted sources follow: Apple Watch, then iPhone, then the rest by name.
   */
  sources?: string[];
};

/** `dataTypes` as core reads it: one entry per `dataType` value. */
const dataTypes: Record<DataTypeName, PluginDataType> = Object.fromEntries(
  DATA_TYPE_NAMES.map((name) => {
    const { metric, unit, description } = DATA_TYPES[name];
    return [name, { metric, unit, description }];
  }),
) as Record<DataTypeName, PluginDataType>;

/**
 * Daily figures from the Apple Health app's export (no server API exists): steps, distance,
 * energy, flights, exercise minutes, resting heart rate, HRV, weight, body fat, water and sleep.
 * One entry per data type; entries on the same file share one streaming parse.
 */
const plugin = definePlugin<AppleHealthConfig>({
  id: PLUGIN_ID,
  apiVersion: 1,
  metric: { type: DATA_TYPES.steps.metric, unit: DATA_TYPES.steps.unit, description: DATA_TYPES.steps.description },
  description:
    "Daily figures from the Apple Health app's export (export.zip), counted once across iPhone and Apple Watch",
  dataTypes,
  configSchema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    properties: {
      file: {
        type: 'string',
        minLength: 1,
        description:
          "The Health app's export.zip (or the export.xml inside it); a relative path starts at the config file's folder.",
      },
      dataType: dataTypeProperty(dataTypes),
      sources: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description:
          'Source names, highest priority first, where several sources recorded the same time (default: Apple Watch, then iPhone, then by name).',
      },
    },
    required: ['file', 'dataType'],
    additionalProperties: false,
  },
  // A local file costs the same for a day or ten years: a backfill is one parse.
  maxDaysPerFetch: 3660,
  // The Health app revises the last days as the watch syncs; a new export brings them.
  settleDays: 2,
  exampleConfig: { file: 'apple_health_export/export.zip', dataType: 'steps' },

  async fetch(ctx) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const spec = DATA_TYPES[ctx.config.dataType];
    const key = await summaryKey(resolve(ctx.config.file), ctx.user.timezone, ctx.config.sources ?? []);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const { summary, origin, report } = await sharedSummary(key, { signal: ctx.signal, log: ctx.log });
    if (origin === 'parsed' && report) {
      ctx.log.info('parsed the export', {
        file: key.path,
        ...(report.entry ? { entry: report.entry } : {}),
        megabytes: Math.round(key.size / 1e5) / 10,
        seconds: Math.round(report.ms / 100) / 10,
        records: summary.records,
        sources: summary.sources,
      });
      const skipped = Object.entries(summary.skipped);
      if (skipped.length > 0) {
        ctx.log.warn(
          'skipped records that end before they start or have a negative amount',
          Object.fromEntries(skipped),
        );
      }
    } else {
      const how = {
        cache: 'unchanged since the cached parse',
        memory: 'already parsed in this run',
        joined: 'parsed once for several entries',
      };
      ctx.log.debug(`export ${how[origin as keyof typeof how]}`, { file: key.path });
    }
    const observations: Observation[] = [];
    for (const [date, value] of Object.entries(summary.days[ctx.config.dataType])) {
      if (date >= ctx.window.start && date <= ctx.window.end) observations.push({ date, value });
    }
    ctx.log.debug('daily figures', { dataType: ctx.config.dataType, unit: spec.unit, days: observations.length });
    return observations;
  },

  async check(ctx) {
    const path = resolve(ctx.config.file);
    await summaryKey(path, ctx.user.timezone, []);
    let opened: Awaited<ReturnType<typeof openExport>> | undefined;
    try {
      opened = await openExport(path);
      await probeExportXml(opened.text);
    } catch (error) {
      throw explainFailure(path, error, opened?.entry);
    } finally {
      opened?.close();
    }
    ctx.log.info('the file is an Apple Health export', {
      file: path,
      ...(opened.entry ? { entry: opened.entry } : {}),
    });
  },
});

export default plugin;
