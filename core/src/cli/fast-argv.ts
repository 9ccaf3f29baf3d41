/**
 * The fast path of `life-stats run`, `backfill` and `validate` (issue 18): their well-formed argv
 * parsed with Node's own `parseArgs`, from the same option specs commander builds them from
 * (command-table.ts), so a cron run does not load commander (~7 ms with the `node:events`,
 * `node:child_process` and `node:stream` it imports). Anything this does not accept as plainly
 * well formed — help, version, an unknown or repeated-and-invalid option, a missing value, a value
 * that looks like an option, an argument, `--` — returns `undefined`, and commander parses it,
 * printing what it always printed.
 */
import { parseArgs } from 'node:util';
import { COMMON_OPTIONS, type CommandSpec, type Flags, InvalidOptionValue, SPEC_COMMANDS } from './command-table.js';

const FLAGS_RE = /^--([a-z][a-z-]*[a-z])( <[a-z]+>)?$/;

/** The spec command and its flags (as commander's `opts()` would give them), or `undefined` for commander. */
export function parseFastArgv(argv: readonly string[]): { spec: CommandSpec; flags: Flags } | undefined {
  const [name, ...rest] = argv;
  const spec = SPEC_COMMANDS.find((s) => s.name === name);
  if (!spec || rest.includes('--')) return undefined;
  const specs = [...spec.options, ...COMMON_OPTIONS];
  const options: Record<string, { type: 'string' | 'boolean'; multiple: true }> = {};
  for (const option of specs) {
    const match = FLAGS_RE.exec(option.flags);
    if (!match?.[1]) return undefined;
    options[match[1]] = { type: match[2] ? 'string' : 'boolean', multiple: true };
  }
  let values: Record<string, Array<string | boolean> | undefined>;
  try {
    ({ values } = parseArgs({ args: [...rest], options, strict: true, allowPositionals: false }));
  } catch {
    return undefined;
  }
  const flags: Flags = {};
  for (const option of specs) {
    const long = FLAGS_RE.exec(option.flags)?.[1] as string;
    const given = values[long];
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
