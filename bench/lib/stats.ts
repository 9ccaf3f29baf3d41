/** The median (mean of the two middle values for an even count); NaN for no values. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[mid] as number;
  return ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `n` with thousands separators and `digits` decimals. */
export function formatNumber(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Bytes in MB (2^20) with two decimals and the exact count. */
export function formatBytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB (${formatNumber(bytes)} B)`;
}

/** Milliseconds, rounded. */
export function formatMs(ms: number): string {
  return `${formatNumber(ms)} ms`;
}

/**
 * Ratios of paired samples taken alternately (subject i was measured next to baseline i, so noise
 * that lasts a few seconds hits both): the median of the per-pair ratios.
 */
export function pairedRatio(subject: readonly number[], baseline: readonly number[]): number {
  const ratios = subject.map((s, i) => s / (baseline[i] ?? Number.NaN));
  return median(ratios);
}
