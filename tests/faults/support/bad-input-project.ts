/** The `bad input` groups' project on disk: a local plugin that needs a user secret, a config, a planted secrets file. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@life-stats/testing/engine';
import { expect } from 'vitest';
import type { CaseRecorder } from './case.js';
import { sqliteRows, sqliteRun } from './rows.js';

// ---------------------------------------------------------------------------------------------
// A project on disk: a local plugin that needs a user secret, a config, a planted secrets file.
// ---------------------------------------------------------------------------------------------

/** A plugin the config `use`s by path. It reads a user secret, so a run would touch the secret. */
const PLUGIN = `export default {
  id: 'counter', apiVersion: 1, metric: { type: 'count', unit: 'n' },
  secrets: { user: ['token'] },
  configSchema: {
    type: 'object',
    properties: { base: { type: 'integer', minimum: 0 }, label: { type: 'string' } },
    required: ['base'],
    additionalProperties: false,
  },
  async fetch(ctx) {
    if (!ctx.secrets.get('token')) throw new Error('no token');
    return [{ date: ctx.window.end, value: ctx.config.base }];
  },
};
`;

export type ConfigObject = Record<string, unknown>;

/** A valid config: `run` with it would store a row for `me`/`count`. */
const BASE: ConfigObject = {
  timezone: 'UTC',
  backfillDays: 3,
  storage: { type: 'sqlite', path: 'data/ls.db' },
  secrets: { type: 'file', path: 'data/secrets.json' },
  users: [{ id: 'me', timezone: 'Europe/Berlin' }],
  plugins: [{ use: './counter.mjs', config: { base: 10 } }],
};

export interface Project {
  dir: string;
  db: string;
  secretsFile: string;
}

/**
 * Write the plugin (and any extra files), the config (an object, or raw text) and a secrets file
 * holding `token` for `me`.
 */
export function writeProject(
  config: ConfigObject | string,
  token: string,
  files: Record<string, string> = {},
): Project {
  const dir = tempDir('life-stats-bad-input-');
  writeFileSync(path.join(dir, 'counter.mjs'), PLUGIN);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  writeFileSync(
    path.join(dir, 'life-stats.config.json'),
    typeof config === 'string' ? config : JSON.stringify(config, null, 2),
  );
  mkdirSync(path.join(dir, 'data'), { mode: 0o700 });
  const secretsFile = path.join(dir, 'data/secrets.json');
  writeFileSync(secretsFile, JSON.stringify({ counter: { users: { me: { token } } } }), { mode: 0o600 });
  chmodSync(secretsFile, 0o600);
  return { dir, db: path.join(dir, 'data/ls.db'), secretsFile };
}

/** A copy of BASE with changes (deep enough for these cases). */
export function base(change: (c: ConfigObject) => void = () => {}): ConfigObject {
  const copy = structuredClone(BASE);
  change(copy);
  return copy;
}

export const plugins = (c: ConfigObject) => c.plugins as ConfigObject[];
export const users = (c: ConfigObject) => c.users as ConfigObject[];

/** The store holds nothing: no SQLite file at all, or one with no metric row and no run row. */
export function expectNothingStored(c: CaseRecorder, p: Project): void {
  c.checkNothingWritten(sqliteRows(p.db));
  expect(sqliteRun(p.db, 'me', 'count')).toBeUndefined();
  expect(sqliteRun(p.db, 'ghost', 'count')).toBeUndefined();
}
