import { PluginLoadError } from '../errors.js';
import { isValidDate, MAX_DAY_COUNT } from '../util/dates.js';
import { isRecord } from '../util/is-record.js';
import { MAX_METRIC_NAME_LENGTH, METRIC_NAME_RE } from './metric-name.js';
import { normalizePlugin, unwrapInterop } from './normalize-plugin.js';
import { compilePluginSchema } from './schema-validators.js';
import { type NormalizedPlugin, PLUGIN_API_VERSION } from './types.js';
import { checkOAuth } from './validate-oauth.js';

const PLUGIN_ID_RE = /^[a-z][a-z0-9-]*$/;
const SECRET_NAME_RE = /^[a-z][a-z0-9_]*$/;
const DATA_TYPE_RE = /^[a-z][a-z0-9-]*$/;

const HINT = 'Export the plugin as `export default definePlugin({ id, apiVersion: 1, metric, fetch })`.';

type Problems = string[];

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

function checkRegex(problems: Problems, path: string, value: unknown, re: RegExp): void {
  if (typeof value !== 'string') problems.push(`${path}: must be a string matching ${re}, got ${describeValue(value)}`);
  else if (!re.test(value)) problems.push(`${path}: must match ${re}, got ${JSON.stringify(value)}`);
}

/** A metric name: {@link METRIC_NAME_RE}, at most {@link MAX_METRIC_NAME_LENGTH} characters. */
function checkMetricName(problems: Problems, path: string, value: unknown): void {
  if (typeof value === 'string' && value.length > MAX_METRIC_NAME_LENGTH) {
    problems.push(`${path}: must be at most ${MAX_METRIC_NAME_LENGTH} characters, got ${value.length}`);
  } else checkRegex(problems, path, value, METRIC_NAME_RE);
}

function checkOptionalString(problems: Problems, path: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'string')
    problems.push(`${path}: must be a string, got ${describeValue(value)}`);
}

/** A day count: a whole number from `min` to {@link MAX_DAY_COUNT} (100 years; more cannot work). */
function checkDayCount(problems: Problems, path: string, value: unknown, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_DAY_COUNT) {
    problems.push(
      `${path}: must be a whole number of days from ${min} to ${MAX_DAY_COUNT}, got ${describeValue(value)}`,
    );
  }
}

function checkMetric(problems: Problems, metric: unknown): void {
  if (metric === undefined) {
    problems.push(`metric: is required, e.g. { type: 'steps', unit: 'count' }`);
    return;
  }
  if (!isRecord(metric)) {
    problems.push(`metric: must be an object { type, unit?, description? }, got ${describeValue(metric)}`);
    return;
  }
  checkMetricName(problems, 'metric.type', metric.type);
  checkOptionalString(problems, 'metric.unit', metric.unit);
  checkOptionalString(problems, 'metric.description', metric.description);
}

/**
 * `dataTypes`: each a `{ metric, unit, description? }`, and the config schema's `dataType`
 * property a string enum of exactly these names, so an entry can only pick a declared one.
 */
function checkDataTypes(problems: Problems, dataTypes: unknown, schema: unknown): void {
  if (dataTypes === undefined) return;
  if (!isRecord(dataTypes) || Object.keys(dataTypes).length === 0) {
    problems.push(
      `dataTypes: must be an object of data types { "<name>": { metric, unit } }, got ${describeValue(dataTypes)}`,
    );
    return;
  }
  for (const [name, type] of Object.entries(dataTypes)) {
    const path = `dataTypes.${name}`;
    if (!DATA_TYPE_RE.test(name))
      problems.push(`dataTypes: the name ${JSON.stringify(name)} must match ${DATA_TYPE_RE}`);
    if (!isRecord(type)) {
      problems.push(`${path}: must be an object { metric, unit, description? }, got ${describeValue(type)}`);
      continue;
    }
    checkMetricName(problems, `${path}.metric`, type.metric);
    if (typeof type.unit !== 'string' || type.unit === '')
      problems.push(`${path}.unit: must be a non-empty string, got ${describeValue(type.unit)}`);
    checkOptionalString(problems, `${path}.description`, type.description);
  }
  const property = isRecord(schema) && isRecord(schema.properties) ? schema.properties.dataType : undefined;
  const names = Object.keys(dataTypes).sort();
  const listed = isRecord(property) && Array.isArray(property.enum) ? [...property.enum].sort() : undefined;
  if (!listed || listed.length !== names.length || listed.some((n, i) => n !== names[i])) {
    problems.push(
      `configSchema.properties.dataType: must be a string enum of exactly the dataTypes (${names.join(', ')}); use dataTypeProperty(dataTypes)`,
    );
  }
}

function checkSecretNames(problems: Problems, path: string, names: unknown): void {
  if (names === undefined) return;
  if (!Array.isArray(names)) {
    problems.push(`${path}: must be an array of secret names, got ${describeValue(names)}`);
    return;
  }
  names.forEach((name, i) => {
    checkRegex(problems, `${path}[${i}]`, name, SECRET_NAME_RE);
  });
}

function checkSecrets(problems: Problems, secrets: unknown): void {
  if (secrets === undefined) return;
  if (!isRecord(secrets)) {
    problems.push(`secrets: must be an object { namespace?, user?, shared? }, got ${describeValue(secrets)}`);
    return;
  }
  if (secrets.namespace !== undefined) checkRegex(problems, 'secrets.namespace', secrets.namespace, PLUGIN_ID_RE);
  checkSecretNames(problems, 'secrets.user', secrets.user);
  checkSecretNames(problems, 'secrets.shared', secrets.shared);
}

/** Core's own secrets namespaces: a plugin that read them could sign connect links of its own. */
const RESERVED_NAMESPACES = new Set(['connect']);

function checkReservedNamespace(problems: Problems, id: unknown, secrets: unknown): void {
  const declared = isRecord(secrets) ? secrets.namespace : undefined;
  const namespace = declared ?? id;
  if (typeof namespace !== 'string' || !RESERVED_NAMESPACES.has(namespace)) return;
  const path = declared === undefined ? 'id' : 'secrets.namespace';
  problems.push(
    `${path}: the secrets namespace "${namespace}" is reserved for life-stats itself (it holds the connect signing key); ` +
      `declare another \`secrets.namespace\``,
  );
}

function checkConfigSchema(problems: Problems, schema: unknown): void {
  if (schema === undefined) return;
  if (!isRecord(schema)) {
    problems.push(`configSchema: must be a JSON Schema object, got ${describeValue(schema)}`);
    return;
  }
  // An entry's `config` is always an object, so a schema for anything else can never pass.
  if (schema.type !== undefined && schema.type !== 'object') {
    problems.push(`configSchema: must describe an object (type: 'object'), got type ${JSON.stringify(schema.type)}`);
    return;
  }
  // The draft-07 check and a compile (for what the meta-schema cannot see: an unresolvable `$ref`);
  // the validator is kept for the entries' configs, across processes too (schema-validators.ts).
  const compiled = compilePluginSchema(schema);
  if ('problem' in compiled) problems.push(`configSchema: is not a valid JSON Schema (draft-07): ${compiled.problem}`);
}

const positive = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value > 0;

function checkRateLimit(problems: Problems, rateLimit: unknown, oauth: unknown): void {
  if (rateLimit === undefined) return;
  if (!isRecord(rateLimit)) {
    problems.push(
      `rateLimit: must be an object { requestsPerMinute?, windows?, sharedBy?, counts? }, got ${describeValue(rateLimit)}`,
    );
    return;
  }
  const { requestsPerMinute: rpm, windows, sharedBy, counts } = rateLimit;
  if (rpm === undefined && windows === undefined) {
    problems.push('rateLimit: needs requestsPerMinute or windows');
  }
  if (rpm !== undefined && !positive(rpm)) {
    problems.push(`rateLimit.requestsPerMinute: must be a number > 0, got ${describeValue(rpm)}`);
  }
  if (windows !== undefined) {
    if (!Array.isArray(windows) || windows.length === 0) {
      problems.push(
        `rateLimit.windows: must be a non-empty array of { requests, perMs }, got ${describeValue(windows)}`,
      );
    } else {
      windows.forEach((w: unknown, i) => {
        const ok = isRecord(w) && Number.isInteger(w.requests) && positive(w.requests) && positive(w.perMs);
        if (!ok) {
          problems.push(
            `rateLimit.windows[${i}]: must be { requests: an integer > 0, perMs: a number > 0 }, got ${describeValue(w)}`,
          );
        }
      });
    }
  }
  if (sharedBy !== undefined && sharedBy !== 'entry' && sharedBy !== 'namespace') {
    problems.push(`rateLimit.sharedBy: must be 'entry' or 'namespace', got ${describeValue(sharedBy)}`);
  }
  if (counts !== undefined && counts !== 'fetch' && counts !== 'request') {
    problems.push(`rateLimit.counts: must be 'fetch' or 'request', got ${describeValue(counts)}`);
  }
  if (counts === 'request' && oauth === undefined) {
    problems.push("rateLimit.counts: 'request' counts the requests of ctx.oauth.fetch, so it needs `oauth`");
  }
}

/** `deprecated`: `{ message, until? }`, the date a real calendar date. */
function checkDeprecated(problems: Problems, deprecated: unknown): void {
  if (deprecated === undefined) return;
  if (!isRecord(deprecated)) {
    problems.push(`deprecated: must be an object { message, until? }, got ${describeValue(deprecated)}`);
    return;
  }
  if (typeof deprecated.message !== 'string' || deprecated.message.trim() === '') {
    problems.push(`deprecated.message: must be a non-empty string, got ${describeValue(deprecated.message)}`);
  }
  if (deprecated.until !== undefined && (typeof deprecated.until !== 'string' || !isValidDate(deprecated.until))) {
    problems.push(`deprecated.until: must be a date YYYY-MM-DD, got ${describeValue(deprecated.until)}`);
  }
}

function collectProblems(plugin: Record<string, unknown>): Problems {
  const problems: Problems = [];
  checkRegex(problems, 'id', plugin.id, PLUGIN_ID_RE);
  if (plugin.apiVersion === undefined) {
    problems.push(`apiVersion: is required (this @life-stats/core supports apiVersion ${PLUGIN_API_VERSION})`);
  } else if (typeof plugin.apiVersion !== 'number') {
    problems.push(`apiVersion: must be the number ${PLUGIN_API_VERSION}, got ${describeValue(plugin.apiVersion)}`);
  }
  checkMetric(problems, plugin.metric);
  checkOptionalString(problems, 'description', plugin.description);
  if (typeof plugin.fetch !== 'function')
    problems.push(`fetch: must be a function, got ${describeValue(plugin.fetch)}`);
  if (plugin.check !== undefined && typeof plugin.check !== 'function') {
    problems.push(`check: must be a function when present, got ${describeValue(plugin.check)}`);
  }
  checkConfigSchema(problems, plugin.configSchema);
  checkDataTypes(problems, plugin.dataTypes, plugin.configSchema);
  checkSecrets(problems, plugin.secrets);
  checkReservedNamespace(problems, plugin.id, plugin.secrets);
  if (plugin.schedule !== undefined && (typeof plugin.schedule !== 'string' || plugin.schedule.trim() === '')) {
    problems.push(
      `schedule: must be an EventBridge expression such as 'rate(1 day)', got ${describeValue(plugin.schedule)}`,
    );
  }
  checkDayCount(problems, 'settleDays', plugin.settleDays, 0);
  checkDayCount(problems, 'maxDaysPerFetch', plugin.maxDaysPerFetch, 1);
  checkRateLimit(problems, plugin.rateLimit, plugin.oauth);
  checkOAuth(problems, plugin.oauth);
  checkDeprecated(problems, plugin.deprecated);
  if (plugin.exampleConfig !== undefined && !isRecord(plugin.exampleConfig)) {
    problems.push(`exampleConfig: must be an object, got ${describeValue(plugin.exampleConfig)}`);
  }
  return problems;
}

/**
 * Check a plugin module's default export against the plugin contract (apiVersion 1) and return it
 * with every default applied. Every problem is collected, then reported in one error.
 *
 * @param value - the module's default export, as imported.
 * @param source - how the user named the plugin (`use` in the config, or a path), for messages.
 * @throws {PluginLoadError} `E_PLUGIN_API_VERSION` when the plugin targets another apiVersion;
 *   `E_PLUGIN_INVALID` listing every problem otherwise.
 */
export function validateManifest(value: unknown, source: string): NormalizedPlugin {
  const plugin = unwrapInterop(value);
  if (!isRecord(plugin)) {
    const what =
      plugin === undefined ? 'the module has no default export' : `its default export is ${describeValue(plugin)}`;
    throw new PluginLoadError(
      'E_PLUGIN_INVALID',
      `[life-stats] plugin ${source} is not a valid life-stats plugin:\n  - ${what}, not a plugin object`,
      { hint: HINT },
    );
  }

  // Another apiVersion may have another shape: listing shape problems against v1 would mislead.
  if (typeof plugin.apiVersion === 'number' && plugin.apiVersion !== PLUGIN_API_VERSION) {
    throw new PluginLoadError(
      'E_PLUGIN_API_VERSION',
      `[life-stats] plugin ${source} declares apiVersion ${plugin.apiVersion}, but @life-stats/core supports apiVersion ${PLUGIN_API_VERSION}`,
      {
        hint: `Upgrade @life-stats/core to a version that supports apiVersion ${plugin.apiVersion}, or install a version of the plugin made for apiVersion ${PLUGIN_API_VERSION}.`,
      },
    );
  }

  const problems = collectProblems(plugin);
  if (problems.length > 0) {
    throw new PluginLoadError(
      'E_PLUGIN_INVALID',
      `[life-stats] plugin ${source} is not a valid life-stats plugin:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { hint: HINT },
    );
  }

  return normalizePlugin(plugin);
}
