import type { ConfigProblem } from '../errors.js';
import { appendPath } from './json-path.js';

/**
 * How deep a config may nest. A real config nests about six levels (`plugins[0].config.…`); the
 * limit only keeps a hostile or broken file (100,000 nested arrays, a JS config that refers to
 * itself) from overflowing the stack of the code that copies and validates it, which would end the
 * command with "Maximum call stack size exceeded" and no word of which file is at fault.
 */
const MAX_CONFIG_DEPTH = 64;

/**
 * The first place where `value` nests deeper than {@link MAX_CONFIG_DEPTH} levels, as a config
 * problem, or `undefined`. Walks without recursion, so any depth can be measured.
 */
export function nestingProblem(value: unknown): ConfigProblem | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  for (let next = stack.pop(); next; next = stack.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= MAX_CONFIG_DEPTH) {
      return {
        path: next.path.length > 60 ? `${next.path.slice(0, 60)}…` : next.path,
        message: `nests deeper than ${MAX_CONFIG_DEPTH} levels (or refers to itself); a config is a few levels deep`,
      };
    }
    const entries: [string | number, unknown][] = Array.isArray(next.value)
      ? next.value.map((item, i) => [i, item])
      : Object.entries(next.value);
    for (const [key, item] of entries) {
      stack.push({ value: item, depth: next.depth + 1, path: appendPath(next.path, key) });
    }
  }
  return undefined;
}
