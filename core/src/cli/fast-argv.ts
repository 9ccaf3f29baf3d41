/**
 * The fast path of `life-stats run`, `backfill` and `validate` (issue 18): their well-formed argv
 * parsed from the same option specs commander builds them from (command-table.ts), so a cron run
 * does not load commander (~7 ms with the `node:events` and `node:child_process` it imports).
 * Anything this does not accept as plainly well formed — help, version, an unknown or
 * repeated-and-invalid option, a missing value, a value that looks like an option, an argument,
 * `--` — returns `undefined`, and commander parses it, printing what it always printed.
 *
 * The grammar is small enough to read here: `--name`, `--name value`, `--name=value`. (Node's
 * `parseArgs` would do, but `node:util` costs ~5 ms to load on Node 24, ~1 ms on Node 20.)
 */
import { COMMON_OPTIONS, type CommandSpec, type Flags, InvalidOptionValue, SPEC_COMMANDS } from './command-table.js';

const FLAGS_RE = /^--([a-z][a-z-]*[a-z])( <[a-z]+>)?$/;

/** The spec command and its flags (as commander's `opts()` would give them), or `undefined` for commander. */
export function parseFastArgv(argv: readonly string[]): { spec: CommandSpec; flags: Flags } | undefined {
  const [name, ...rest] = argv;
  const spec = SPEC_COMMANDS.find((s) => s.name === name);
  if (!spec || rest.includes('--')) return undefined;
  const specs = [...spec.options, ...COMMON_OPTIONS];
  const takesValue = new Map<string, boolean>();
  for (const option of specs) {
    const match = FLAGS_RE.exec(option.flags);
    if (!match?.[1]) return undefined;
    takesValue.set(match[1], match[2] !== undefined);
  }
  const values = tokenize(rest, takesValue);
  if (!values) return undefined;
  const flags: Flags = {};
  for (const option of specs) {
    const long = FLAGS_RE.exec(option.flags)?.[1] as string;
    const given = values.get(long);
    if (!given) {
      if (option.required) return undefined;
      continue;
    }
    let value: unknown;
    // Each occurrence is checked, as commander checks each; the last one wins, as in commander.
    for (const raw of given) {
      if (typeof raw === 'boolean') {
        value = raw;
        continue;
      }
      if (option.choices && !option.choices.includes(raw)) return undefined;
      if (!option.parse) {
        value = raw;
        continue;
      }
      try {
        value = option.parse(raw);
      } catch (error) {
        if (error instanceof InvalidOptionValue) return undefined;
        throw error;
      }
    }
    flags[long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = value;
  }
  return { spec, flags };
}

/**
 * Every option's values in order (`true` for a flag), or `undefined` for anything but
 * `--name`, `--name value` and `--name=value` of known names, values not starting with `-`.
 */
function tokenize(
  args: readonly string[],
  takesValue: ReadonlyMap<string, boolean>,
): Map<string, Array<string | boolean>> | undefined {
  const values = new Map<string, Array<string | boolean>>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) return undefined;
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const hasValue = takesValue.get(name);
    if (hasValue === undefined) return undefined;
    let value: string | boolean = true;
    if (hasValue) {
      const next = eq < 0 ? args[++i] : arg.slice(eq + 1);
      if (next === undefined || (eq < 0 && next.startsWith('-'))) return undefined;
      value = next;
    } else if (eq >= 0) {
      return undefined;
    }
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return values;
}
