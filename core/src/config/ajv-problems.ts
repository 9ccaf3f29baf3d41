import type { ErrorObject } from 'ajv';
import type { ConfigProblem } from '../errors.js';
import { appendPath, parsePointer, pointerToPath } from './json-path.js';

/**
 * ajv's errors as config problems a person can act on: one line per mistake, at the path of the
 * offending key (`storage.pathh: is not allowed`, `plugins[3].config.baseUrl: is required`).
 * The validator must run with `verbose: true` so errors carry their schema.
 */
export function ajvErrorsToProblems(
  errors: readonly ErrorObject[] | null | undefined,
  data: unknown,
  base = '',
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    const problem = toProblem(error, data, base);
    if (!problem) continue;
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function toProblem(error: ErrorObject, data: unknown, base: string): ConfigProblem | undefined {
  const path = pointerToPath(error.instancePath, data, base);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    // Always comes with the errors of the branch that failed, which say what is wrong.
    case 'if':
      return undefined;
    case 'required':
      return { path: appendPath(path, String(params.missingProperty)), message: 'is required' };
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = Object.keys(schemaProperties(error.parentSchema));
      const suggestion = closest(key, known);
      return {
        path: appendPath(path, key),
        message: suggestion ? `is not allowed (did you mean "${suggestion}"?)` : 'is not allowed',
      };
    }
    case 'type': {
      const types = Array.isArray(params.type) ? (params.type as string[]) : [String(params.type)];
      return { path, message: `must be ${types.join(' or ')}` };
    }
    case 'enum':
      return { path, message: `must be one of ${(params.allowedValues as unknown[]).map(show).join(', ')}` };
    case 'const':
      return { path, message: `must be ${show(params.allowedValue)}` };
    case 'discriminator': {
      // ajv's own wording ("value of tag "type" must be in oneOf") names schema internals.
      const tag = String(params.tag);
      const tagValue = valueAt(data, error.instancePath, tag);
      const allowed = discriminatorValues(error.parentSchema, tag);
      return {
        path: appendPath(path, tag),
        message: tagValue === undefined ? 'is required' : `must be one of ${allowed.join(', ')}`,
      };
    }
    default:
      return { path, message: error.message ?? `fails "${error.keyword}"` };
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function schemaProperties(schema: unknown): Record<string, unknown> {
  const properties = (schema as { properties?: unknown } | undefined)?.properties;
  return properties && typeof properties === 'object' ? (properties as Record<string, unknown>) : {};
}

function discriminatorValues(schema: unknown, tag: string): string[] {
  const branches = (schema as { oneOf?: unknown[] } | undefined)?.oneOf ?? [];
  return branches.flatMap((branch) => {
    const tagSchema = schemaProperties(branch)[tag] as { const?: unknown; enum?: unknown[] } | undefined;
    if (tagSchema?.const !== undefined) return [show(tagSchema.const)];
    return (tagSchema?.enum ?? []).map(show);
  });
}

function valueAt(data: unknown, pointer: string, key: string): unknown {
  let node = data;
  for (const part of [...parsePointer(pointer), key]) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The known key nearest to a misspelt one, if it is near enough to be a typo. */
function closest(key: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
