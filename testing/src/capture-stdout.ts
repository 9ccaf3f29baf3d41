/** What a process wrote to stdout while captured. */
export interface CapturedStdout {
  /** Everything written, as text. */
  text(): string;
  /** Each line parsed as JSON (throws on a line that is not JSON, so non-JSON output fails the test). */
  json(): Record<string, unknown>[];
  /** Stop capturing and restore `process.stdout.write`. */
  restore(): void;
}

/**
 * Capture `process.stdout.write` (what Powertools' logger and metrics print through) until
 * `restore()`. Writes are kept, not passed on, so test output stays readable.
 */
export function captureStdout(): CapturedStdout {
  const original = process.stdout.write;
  const chunks: string[] = [];
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return {
    text: () => chunks.join(''),
    json: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      process.stdout.write = original;
    },
  };
}

/**
 * Run `body` counting the reads of `process.stderr` (a getter that creates the stream on first
 * read): what tells a writer that made no stderr stream from one that did.
 */
export function countStderrReads(body: () => void): number {
  const descriptor = Object.getOwnPropertyDescriptor(process, 'stderr');
  if (!descriptor?.get) throw new Error('process.stderr is not a getter here: this test cannot tell');
  const stderrGetter = descriptor.get;
  let reads = 0;
  Object.defineProperty(process, 'stderr', {
    ...descriptor,
    get() {
      reads += 1;
      return stderrGetter.call(process);
    },
  });
  try {
    body();
  } finally {
    Object.defineProperty(process, 'stderr', descriptor);
  }
  return reads;
}
