/**
 * The fast path (cli/fast-argv.ts) against commander itself: for every argv it accepts, commander
 * reaches the same command's action with the same flags; whatever it declines goes to commander.
 */
import { describe, expect, it } from 'vitest';
import type { Wrap } from '../../src/cli/command-table.js';
import { parseFastArgv } from '../../src/cli/fast-argv.js';
import type { CliIO } from '../../src/cli/io.js';
import { runProgram } from '../../src/cli/program.js';

/** What commander does with `argv`: the flags its action got (or none), its exit status, its output. */
async function commander(argv: string[]): Promise<{ flags?: unknown; status: number; output: string }> {
  let output = '';
  const write = (s: string): boolean => {
    output += s;
    return true;
  };
  const sink = { write } as unknown as NodeJS.WriteStream;
  const io = { stdout: sink, stderr: sink, stdin: process.stdin, env: {}, cwd: process.cwd() } as unknown as CliIO;
  let flags: unknown;
  const wrap: Wrap =
    (_load, optionsOf) =>
    async (...args) => {
      flags = args.find((a) => typeof a === 'object');
      optionsOf(...args);
    };
  const status = await runProgram(argv, io, wrap, () => 0);
  return { ...(flags !== undefined ? { flags } : {}), status, output };
}

const ACCEPTED = [
  ['run'],
  ['run', '--config', 'x.json'],
  ['run', '--config=x.json', '--json'],
  ['run', '--metric', 'steps', '--user', 'me', '--concurrency', '3', '--log-level', 'debug'],
  ['run', '--concurrency', '2', '--concurrency', '5'],
  ['run', '--json', '--json', '--config', 'a', '--config', 'b'],
  ['run', '--config', ''],
  ['run', '--config=-x.json', '--metric=a=b'],
  ['backfill', '--from', '2026-01-01', '--to', '2026-01-31', '--metric', 'weight'],
  ['validate'],
  ['validate', '--config', 'life-stats.config.json', '--log-level=silent'],
];

const DECLINED = [
  [],
  ['--help'],
  ['-v'],
  ['help', 'run'],
  ['run', '--help'],
  ['run', '-h'],
  ['run', 'extra'],
  ['run', '--'],
  ['run', '--', 'extra'],
  ['run', '--nope'],
  ['run', '--no-json'],
  ['run', '--json=yes'],
  ['run', '--json='],
  ['run', '--Config', 'x'],
  ['run', '-x'],
  ['run', '---json'],
  ['run', '--=x'],
  ['run', '--metric'],
  ['run', '--metric', '--json'],
  ['run', '--concurrency', '0'],
  ['run', '--concurrency', '-1'],
  ['run', '--concurrency', '0', '--concurrency', '3'],
  ['run', '--log-level', 'loud'],
  ['backfill', '--from', '2026-01-01'],
  ['validate', '--json'],
  ['validate', '--config'],
  ['status'],
  ['query', '--format', 'csv'],
];

describe('the fast argv path', () => {
  it.each(ACCEPTED)('accepts %j exactly as commander parses it', async (...argv) => {
    const fast = parseFastArgv(argv);
    expect(fast?.spec.name).toBe(argv[0]);
    const reference = await commander(argv);
    expect(reference.status).toBe(0);
    expect(reference.output).toBe('');
    expect(fast?.flags).toEqual(reference.flags);
  });

  it.each(DECLINED)('leaves %j to commander', async (...argv) => {
    expect(parseFastArgv(argv)).toBeUndefined();
  });

  it('declines what commander rejects: each such argv is a usage error or help there', async () => {
    for (const argv of DECLINED.filter((a) => a[0] === 'run' || a[0] === 'backfill' || a[0] === 'validate')) {
      const reference = await commander(argv);
      // Two argv commander runs, declined all the same: `--` (its handling stays commander's), and
      // a value that looks like an option (commander takes `--json` as the metric's name).
      if (['run --', 'run --metric --json'].includes(argv.join(' '))) continue;
      expect({ argv, reached: reference.flags !== undefined && reference.status === 0 }).toEqual({
        argv,
        reached: false,
      });
    }
  });
});
