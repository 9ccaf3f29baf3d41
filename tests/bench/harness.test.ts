/** The benchmark harness's own logic: statistics, argument parsing, the table it prints. */
import { describe, expect, it } from 'vitest';
import { MODULES, parseArgs } from '../../bench/lib/args.js';
import { median, pairedRatio } from '../../bench/lib/stats.js';
import { formatMarkdown, formatTable } from '../../bench/lib/table.js';
import type { BenchRow } from '../../bench/lib/types.js';

const row = (over: Partial<BenchRow>): BenchRow => ({
  benchmark: 'Backfill',
  figure: 'provider requests',
  value: 13,
  unit: 'requests',
  display: '13',
  target: '13',
  pass: true,
  ...over,
});

describe('median', () => {
  it('takes the middle of an odd count and the mean of the middle two of an even count, unsorted input', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('pairedRatio', () => {
  it('is the median of per-pair ratios, so one slow pair moves it less than a ratio of medians', () => {
    // Pair 3 ran while the machine was busy: both sides slow, the ratio stays 0.1.
    expect(pairedRatio([10, 12, 100], [100, 120, 1000])).toBeCloseTo(0.1);
    expect(pairedRatio([1, 2, 3], [10, 10, 10])).toBeCloseTo(0.2);
  });
});

describe('parseArgs', () => {
  it('reads --quick and --only (repeated form, = form, comma lists)', () => {
    expect(parseArgs([])).toEqual({ quick: false, only: undefined, help: false });
    expect(parseArgs(['--quick', '--only', 'bundle'])).toEqual({ quick: true, only: ['bundle'], help: false });
    expect(parseArgs(['--only=cli-run,backfill']).only).toEqual(['cli-run', 'backfill']);
  });

  it('rejects an unknown benchmark, naming the known ones, and unknown flags', () => {
    expect(() => parseArgs(['--only', 'bundel'])).toThrow(/unknown benchmark "bundel"; one of: bundle, throughput/);
    expect(() => parseArgs(['--only'])).toThrow(/--only needs a benchmark name/);
    expect(() => parseArgs(['--fast'])).toThrow(/unknown argument --fast/);
  });

  it('lists the modules in the order of the issue table', () => {
    expect(MODULES).toEqual([
      'bundle',
      'throughput',
      'sqlite-upserts',
      'cli-run',
      'memory',
      'backfill',
      'google-bundles',
      'apple-health',
      'lambda-start',
      'cli-start',
      'fan-out',
    ]);
  });
});

describe('formatTable', () => {
  it('pads columns to the widest cell and marks a missed target MISS', () => {
    const text = formatTable([
      row({}),
      row({ benchmark: 'Cold init', figure: 'ratio', display: '0.2', target: '≤ 0.15', pass: false }),
    ]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^benchmark\s+figure\s+measured\s+target\s+status$/);
    expect(lines[2]).toMatch(/^Backfill\s+provider requests\s+13\s+13\s+ok$/);
    expect(lines[3]).toMatch(/^Cold init\s+ratio\s+0\.2\s+≤ 0\.15\s+MISS$/);
    // Every column starts at the same offset on every line.
    const at = (line: string, text: string) => line.indexOf(text);
    expect(at(lines[2] as string, '13')).toBe(at(lines[0] as string, 'measured'));
    expect(at(lines[3] as string, 'MISS')).toBe(at(lines[0] as string, 'status'));
  });

  it('escapes pipes in Markdown cells', () => {
    const md = formatMarkdown([row({ display: 'a | b' })]);
    expect(md.split('\n')[2]).toBe('| Backfill | provider requests | a \\| b | 13 | ok |');
  });
});
