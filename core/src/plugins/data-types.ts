import type { JsonSchema, PluginDataType, PluginMetric } from './types.js';

/** The config key a multi-type plugin reads its data type from (DESIGN.md "Plugins that read several kinds of data"). */
export const DATA_TYPE_KEY = 'dataType';

/** Options of {@link dataTypeProperty}. */
export interface DataTypePropertyOptions {
  /** The data type an entry without `dataType` reads. @default none: `dataType` is then required */
  default?: string;
  description?: string;
}

/**
 * The JSON Schema of the `dataType` config property of a plugin with `dataTypes`: a string whose
 * enum is exactly the declared data types, so a typo is a config problem with its path (exit 2)
 * and editors complete it.
 *
 * ```ts
 * configSchema: { type: 'object', properties: { dataType: dataTypeProperty(DATA_TYPES) }, required: ['dataType'] }
 * ```
 */
export function dataTypeProperty(
  dataTypes: Readonly<Record<string, PluginDataType>>,
  options: DataTypePropertyOptions = {},
): JsonSchema {
  const names = Object.keys(dataTypes);
  const lines = names.map((name) => {
    const type = dataTypes[name] as PluginDataType;
    return `${name} → ${type.metric} (${type.unit})`;
  });
  return {
    type: 'string',
    enum: names,
    ...(options.default === undefined ? {} : { default: options.default }),
    description: options.description ?? `What to read: ${lines.join(', ')}.`,
  };
}

/** What an entry of a plugin writes, after its config settled the data type. */
export interface ResolvedMetric {
  /** The metric name an entry writes unless it sets its own `metric`. */
  metric: string;
  unit: string | undefined;
  /** The entry's data type, for plugins that declare `dataTypes`. */
  dataType?: string;
}

/**
 * The default metric and the unit of an entry: from its `config.dataType` for a plugin that
 * declares `dataTypes`, else the plugin's own `metric`. A data type the plugin does not declare
 * (a config that failed validation) falls back to the plugin's metric; validation reports it.
 */
export function resolveEntryMetric(
  plugin: { metric: PluginMetric; dataTypes?: Readonly<Record<string, PluginDataType>> | undefined },
  config: Record<string, unknown>,
): ResolvedMetric {
  const name = config[DATA_TYPE_KEY];
  if (plugin.dataTypes && typeof name === 'string' && Object.hasOwn(plugin.dataTypes, name)) {
    const type = plugin.dataTypes[name] as PluginDataType;
    return { metric: type.metric, unit: type.unit, dataType: name };
  }
  return { metric: plugin.metric.type, unit: plugin.metric.unit };
}
