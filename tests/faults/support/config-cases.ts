/**
 * The `config` bad-input group's check: the real CLI (in-process) runs `validate` and `run` against
 * a broken config file; both exit 2 listing the problem by path, before touching storage.
 */
import { existsSync } from 'node:fs';
import { runCli } from '@life-stats/testing/cli';
import { describe, expect } from 'vitest';
import { type ConfigObject, expectNothingStored, writeProject } from './bad-input-project.js';
import { badInputCase } from './case.js';

/** One broken config file and what the CLI must say about it. */
export interface ConfigCase {
  name: string;
  /** The config file: an object, raw text, or built around the planted secret. */
  config: ConfigObject | string | ((token: string) => ConfigObject);
  /** Extra files next to the config (plugins). */
  files?: Record<string, string>;
  /** Name the file with `--config` instead of letting the search find it. */
  viaFlag?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Each must match stderr (the path and what is wrong). */
  expect: RegExp[];
  /** Expected number of problems listed in the message. */
  problems?: number;
}

/** Each case as a `config` bad-input case under `describe(title)`. */
export function checkConfigCases(title: string, cases: readonly ConfigCase[]): void {
  describe(title, () => {
    for (const k of cases) {
      badInputCase('config', k.name, async (c) => {
        const token = c.secret('token');
        const p = writeProject(typeof k.config === 'function' ? k.config(token) : k.config, token, k.files);
        for (const command of ['validate', 'run']) {
          const argv = k.viaFlag ? [command, '--config', 'life-stats.config.json'] : [command];
          const res = await runCli(argv, { cwd: p.dir, ...(k.env ? { env: k.env } : {}) });
          c.see(res.stdout, res.stderr);
          expect(res.code, `${command}: ${res.stderr}`).toBe(2);
          for (const re of k.expect) expect(res.stderr, command).toMatch(re);
          expect(res.stderr).toMatch(/life-stats validate/);
          if (k.problems !== undefined) {
            expect(res.stderr).toMatch(new RegExp(`${k.problems} config problems`));
            expect(res.stderr.split('\n').filter((l) => l.startsWith('  - ')).length).toBeGreaterThanOrEqual(
              k.problems,
            );
          }
          expect(res.stdout).toBe('');
        }
        // Exit 2 before touching storage: not even an empty SQLite file.
        expect(existsSync(p.db)).toBe(false);
        expectNothingStored(c, p);
      });
    }
  });
}
