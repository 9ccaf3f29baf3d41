import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { STORE_DEFAULTS } from '../../config/defaults.js';
import { UsageError } from '../../errors.js';
import { isValidTimeZone } from '../../util/dates.js';
import type { CommandContext } from '../context.js';

interface InitFlags {
  force?: boolean;
  user?: string;
}

/** A config that validates as written: the user's zone, a SQLite store and a secrets file. */
function starterConfig(timezone: string, userId: string): Record<string, unknown> {
  return {
    $schema: './node_modules/@life-stats/core/config.schema.json',
    timezone,
    backfillDays: 7,
    storage: { type: 'sqlite', path: STORE_DEFAULTS.sqlitePath },
    secrets: { type: 'file', path: STORE_DEFAULTS.secretsPath },
    users: [{ id: userId, timezone }],
    plugins: [],
  };
}

/** `init`: write `life-stats.config.json` in the working directory. */
export async function executeInit(ctx: CommandContext, flags: InitFlags): Promise<number> {
  const file = path.join(ctx.io.cwd, 'life-stats.config.json');
  if (existsSync(file) && !flags.force) throw new UsageError(`${file} already exists (pass --force to overwrite it)`);
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const timezone = isValidTimeZone(zone) ? zone : 'UTC';
  await writeFile(file, `${JSON.stringify(starterConfig(timezone, flags.user ?? 'me'), null, 2)}\n`);
  ctx.io.stdout.write(
    `Wrote ${file}.\nNext:\n` +
      '  1. install a plugin, e.g. `npm install @life-stats/plugin-csv`, and add an entry to "plugins"\n' +
      '  2. `npx life-stats validate`\n  3. `npx life-stats run`, then `npx life-stats query`\n',
  );
  return 0;
}
