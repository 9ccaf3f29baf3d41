/** The CLI run in-process, with captured stdout/stderr and a given stdin, working directory and environment. */
import { Readable } from 'node:stream';
import { type CliIO, main } from '@life-stats/core/cli';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the CLI in-process with captured streams. */
export async function runCli(
  argv: string[],
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    stdin?: string;
    tty?: boolean;
    onStderr?: (chunk: string) => void;
  } = { cwd: process.cwd() },
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const stdin = Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]) as Readable & {
    isTTY?: boolean;
  };
  const io: CliIO = {
    stdout: { write: (s: string) => (stdout += s), isTTY: options.tty ?? false },
    stderr: {
      write: (s: string) => {
        stderr += s;
        options.onStderr?.(s);
      },
      isTTY: options.tty ?? false,
    },
    stdin,
    env: { PATH: process.env.PATH, ...options.env },
    cwd: options.cwd,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
