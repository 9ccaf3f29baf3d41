/** Which Node the Lambda cold-start benchmark runs on (bench/lib/lambda-node.ts). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LAMBDA_NODE_MAJOR, lambdaNode } from '../../bench/lib/lambda-node.js';
import { ROOT } from '../../bench/lib/paths.js';

const ENV = 'LIFE_STATS_BENCH_LAMBDA_NODE';
const saved = process.env[ENV];
const thisMajor = Number(process.versions.node.split('.')[0]);

afterEach(() => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
});

describe('the Lambda runtime Node of the benchmarks', () => {
  it('is the major the stack deploys', () => {
    const stack = readFileSync(join(ROOT, 'infra/src/life-stats-stack.ts'), 'utf8');
    const runtimes = [...stack.matchAll(/lambda\.Runtime\.NODEJS_(\d+)_X/g)].map((m) => Number(m[1]));
    expect(runtimes.length).toBeGreaterThan(0);
    expect(new Set(runtimes)).toEqual(new Set([LAMBDA_NODE_MAJOR]));
  });

  it('is this process when it is that major', () => {
    delete process.env[ENV];
    expect(lambdaNode(thisMajor)).toEqual({ path: process.execPath, version: process.version, source: 'this process' });
  });

  it('refuses a configured binary of another major, and fetches nothing when told none', () => {
    process.env[ENV] = process.execPath;
    expect(() => lambdaNode(thisMajor + 1)).toThrow(`is Node ${process.version}, not ${thisMajor + 1}`);
    expect(lambdaNode(thisMajor)).toMatchObject({ path: process.execPath, source: ENV });
    process.env[ENV] = 'none';
    expect(lambdaNode(thisMajor + 1)).toEqual({ missing: `${ENV}=none` });
  });
});
