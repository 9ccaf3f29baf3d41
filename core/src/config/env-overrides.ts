import type { ConfigProblem } from '../errors.js';

/** The environment variables that override the config file (CLI and Lambda alike). */
export const ENV_VARS = {
  config: 'LIFE_STATS_CONFIG',
  storage: 'LIFE_STATS_STORAGE',
  metricsTable: 'LIFE_STATS_METRICS_TABLE',
  runsTable: 'LIFE_STATS_RUNS_TABLE',
  secrets: 'LIFE_STATS_SECRETS',
  ssmPrefix: 'LIFE_STATS_SSM_PREFIX',
} as const;

const STORAGE_TYPES = ['sqlite', 'dynamodb'] as const;
const SECRETS_TYPES = ['file', 'env', 'ssm'] as const;

export interface EnvOverridesResult {
  /** A copy of the raw config with the overrides applied (the input is not modified). */
  config: unknown;
  /** Bad override values, at paths like `env LIFE_STATS_STORAGE`. */
  problems: ConfigProblem[];
}

/**
 * Apply `LIFE_STATS_STORAGE`, `LIFE_STATS_METRICS_TABLE`, `LIFE_STATS_RUNS_TABLE`,
 * `LIFE_STATS_SECRETS` and `LIFE_STATS_SSM_PREFIX` to a raw config, before it is validated.
 *
 * Switching `storage`/`secrets` to another type starts a fresh block (the file's `path` means
 * nothing to DynamoDB); keeping the type keeps the file's settings. A table or prefix variable that
 * does not fit the storage/secrets type in effect is a problem, not silently ignored: it usually
 * means the type variable was forgotten. Empty variables count as unset.
 */
export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): EnvOverridesResult {
  const problems: ConfigProblem[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { config: raw, problems };
  const config: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const read = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value === '' ? undefined : value;
  };

  config.storage = overrideBlock(
    config.storage,
    'sqlite',
    ENV_VARS.storage,
    read(ENV_VARS.storage),
    STORAGE_TYPES,
    problems,
  );
  for (const [name, key] of [
    [ENV_VARS.metricsTable, 'metricsTable'],
    [ENV_VARS.runsTable, 'runsTable'],
  ] as const) {
    const value = read(name);
    if (value === undefined) continue;
    setInBlock(config, 'storage', 'dynamodb', name, key, value, problems, `set ${ENV_VARS.storage}=dynamodb too`);
  }

  config.secrets = overrideBlock(
    config.secrets,
    'file',
    ENV_VARS.secrets,
    read(ENV_VARS.secrets),
    SECRETS_TYPES,
    problems,
  );
  const prefix = read(ENV_VARS.ssmPrefix);
  if (prefix !== undefined) {
    if (!prefix.startsWith('/')) {
      problems.push({ path: `env ${ENV_VARS.ssmPrefix}`, message: `"${prefix}" must start with "/"` });
    } else {
      setInBlock(
        config,
        'secrets',
        'ssm',
        ENV_VARS.ssmPrefix,
        'prefix',
        prefix,
        problems,
        `set ${ENV_VARS.secrets}=ssm too`,
      );
    }
  }

  if (config.storage === undefined) delete config.storage;
  if (config.secrets === undefined) delete config.secrets;
  return { config, problems };
}

function typeOf(block: unknown, fallback: string): unknown {
  if (block === undefined) return fallback;
  return block !== null && typeof block === 'object' ? (block as Record<string, unknown>).type : undefined;
}

function overrideBlock(
  block: unknown,
  defaultType: string,
  variable: string,
  value: string | undefined,
  allowed: readonly string[],
  problems: ConfigProblem[],
): unknown {
  if (value === undefined) return block;
  if (!allowed.includes(value)) {
    problems.push({ path: `env ${variable}`, message: `"${value}" is not one of ${allowed.join(', ')}` });
    return block;
  }
  if (typeOf(block, defaultType) === value && block !== undefined) return { ...(block as Record<string, unknown>) };
  return { type: value };
}

function setInBlock(
  config: Record<string, unknown>,
  blockKey: 'storage' | 'secrets',
  requiredType: string,
  variable: string,
  key: string,
  value: string,
  problems: ConfigProblem[],
  hint: string,
): void {
  const block = config[blockKey];
  const type = typeOf(block, blockKey === 'storage' ? 'sqlite' : 'file');
  if (type !== requiredType) {
    problems.push({
      path: `env ${variable}`,
      message: `applies to ${blockKey} type "${requiredType}" only, but ${blockKey}.type is ${JSON.stringify(type)}: ${hint}`,
    });
    return;
  }
  config[blockKey] = { ...(block as Record<string, unknown>), [key]: value };
}
