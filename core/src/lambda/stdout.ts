/**
 * What the function's Powertools logger and metrics print through, in place of the `Console` each
 * Powertools instance builds on `process.stdout` and `process.stderr` (docs/performance.md: both
 * streams created at a cold start, one `Console` per instance, every line formatted again).
 * Powertools passes one string per call (a JSON line or an EMF document); every method writes it
 * and a newline to stdout in one write, as `Console#log` wrote it, warnings and errors included
 * (DESIGN.md "Lambda": JSON lines on stdout).
 */
const STDOUT_LINES = {
  log: printLine,
  info: printLine,
  warn: printLine,
  error: printLine,
  debug: printLine,
  // Powertools prints `trace` as a plain line (like Lambda does); so does this.
  trace: printLine,
};

function printLine(line: unknown): void {
  writeStdout(`${line}\n`);
}

/**
 * Make the instances of `subclass` (of a Powertools `Logger` or `Metrics`) print through
 * {@link STDOUT_LINES}: their constructor calls `setConsole()`, which this replaces.
 * `setConsole` is private in Powertools' types, hence a property rather than a method; the tests
 * of logger.ts and metrics.ts fail if an upgrade renames it (a stderr stream would be made again).
 */
export function printThroughStdout(subclass: abstract new (...args: never[]) => unknown): void {
  Object.defineProperty(subclass.prototype, 'setConsole', {
    value: function setConsole(this: { console?: unknown }): void {
      this.console = STDOUT_LINES;
    },
  });
}

/**
 * Write `text` to stdout as Node's `Console` writes a line, errors included: a write error (a
 * closed pipe) is dropped, neither thrown nor left as an unhandled `error` event.
 */
function writeStdout(text: string): void {
  const stdout = process.stdout;
  const guard = stdout.listenerCount('error') === 0;
  if (guard) stdout.once('error', ignore);
  try {
    stdout.write(text, ignore);
  } catch {
    // Dropped, as Console drops it: a log line must never fail the invocation.
  } finally {
    if (guard) stdout.removeListener('error', ignore);
  }
}

function ignore(): void {}
