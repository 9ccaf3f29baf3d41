/** Benchmark modules, in the order of their rows in the issue. */
export const MODULES = [
  'bundle',
  'throughput',
  'sqlite-upserts',
  'cli-run',
  'memory',
  'backfill',
  'google-bundles',
  'apple-health',
  // issue 18
  'lambda-start',
  'cli-start',
  'fan-out',
] as const;

/** Command-line options of `npm run bench`. */
export interface BenchOptions {
  quick: boolean;
  /** Module names to run; undefined: all. */
  only: string[] | undefined;
  help: boolean;
}

/** Parse `[--quick] [--only a,b] [--help]`; throws on anything else or an unknown module name. */
export function parseArgs(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { quick: false, only: undefined, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--only' || arg?.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!value) throw new Error('--only needs a benchmark name');
      options.only = value.split(',').map((s) => s.trim());
    } else if (arg === '--help' || arg === '-h') {
      options.help = true;
    } else {
      throw new Error(`unknown argument ${arg}; usage: npm run bench -- [--quick] [--only <name>]`);
    }
  }
  for (const name of options.only ?? []) {
    if (!(MODULES as readonly string[]).includes(name)) {
      throw new Error(`unknown benchmark "${name}"; one of: ${MODULES.join(', ')}`);
    }
  }
  return options;
}
