/** One line of the benchmark table. `value` is the figure compared with the target. */
export interface BenchRow {
  benchmark: string;
  figure: string;
  value: number;
  unit: string;
  display: string;
  target: string;
  pass: boolean;
  detail?: string;
  samples?: number[];
}

/** A benchmark module's default export. */
export interface Benchmark {
  name: string;
  run(options: { quick: boolean }): Promise<BenchRow[]>;
}
