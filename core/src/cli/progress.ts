import type { CliIO } from './io.js';

/** A one-line progress indicator on a terminal's stderr; silent when stderr is not a TTY. */
export interface Progress {
  start(total: number): void;
  tick(done: number, total: number, label: string): void;
  /** Clear the line (before a log line or at the end). */
  clear(): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export function createProgress(io: CliIO, verb: string, enabled = io.stderr.isTTY === true): Progress {
  let shown = false;
  let frame = 0;
  const draw = (text: string) => {
    if (!enabled) return;
    io.stderr.write(`\r\x1b[2K${text}`);
    shown = true;
  };
  return {
    start(total) {
      draw(`${FRAMES[0]} ${verb}: 0/${total} pairs`);
    },
    tick(done, total, label) {
      frame = (frame + 1) % FRAMES.length;
      draw(`${FRAMES[frame]} ${verb}: ${done}/${total} pairs (last: ${label})`);
    },
    clear() {
      if (shown) io.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}
