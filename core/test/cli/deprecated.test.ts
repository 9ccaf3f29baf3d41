import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '@life-stats/testing/cli';
import { tempDir } from '@life-stats/testing/engine';
import { describe, expect, it } from 'vitest';

/** A plugin on its way out, as a provider plugin would declare it (core names no provider). */
const OLD = `export default {
  id: 'old-source', apiVersion: 1, metric: { type: 'count', unit: 'n' },
  deprecated: { message: 'Old Source ends on 2026-12-31. Change the entry to { "use": "new-source" }.', until: '2026-12-31' },
  async fetch() { return []; },
};
`;
const NEW = `export default { id: 'new-source', apiVersion: 1, metric: { type: 'other' }, async fetch() { return []; } };
`;

function project(plugins: unknown[], files: Record<string, string> = { 'old.mjs': OLD, 'new.mjs': NEW }) {
  const dir = tempDir('life-stats-deprecated-');
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  writeFileSync(
    path.join(dir, 'life-stats.config.json'),
    JSON.stringify({
      storage: { type: 'sqlite', path: 'data/ls.db' },
      secrets: { type: 'file', path: 'data/secrets.json' },
      users: [{ id: 'me' }],
      plugins,
    }),
  );
  return dir;
}

const MESSAGE = 'Old Source ends on 2026-12-31. Change the entry to { "use": "new-source" }.';

describe('a deprecated plugin: a warning per enabled entry, never a failure', () => {
  const plugins = [
    { use: './new.mjs' },
    { use: './old.mjs', metric: 'a' },
    { use: './old.mjs', metric: 'b', enabled: false },
    { use: './old.mjs', metric: 'c' },
  ];

  it('validate: exit 0, one line per enabled entry with its path, on stderr', async () => {
    const res = await runCli(['validate'], { cwd: project(plugins) });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('is valid');
    expect(res.stderr.trim().split('\n')).toEqual([
      `warning: plugins[1] (old-source): ${MESSAGE}`,
      `warning: plugins[3] (old-source): ${MESSAGE}`,
    ]);
  });

  it('plugins --json: stdout stays one JSON document carrying the field; the warnings go to stderr', async () => {
    const res = await runCli(['plugins', '--json'], { cwd: project(plugins) });
    expect(res.code).toBe(0);
    const listed = JSON.parse(res.stdout).plugins as { metric: string; deprecated?: unknown }[];
    expect(listed.find((p) => p.metric === 'a')?.deprecated).toEqual({ message: MESSAGE, until: '2026-12-31' });
    expect(listed.find((p) => p.metric === 'other')?.deprecated).toBeUndefined();
    expect(res.stderr.match(/^warning: /gm)).toHaveLength(2);
  });

  it('plugins (table): the same warnings', async () => {
    const res = await runCli(['plugins'], { cwd: project(plugins) });
    expect(res.code).toBe(0);
    expect(res.stderr).toContain(`warning: plugins[1] (old-source): ${MESSAGE}`);
  });

  it('no warning when no enabled entry uses it', async () => {
    const res = await runCli(['validate'], {
      cwd: project([{ use: './new.mjs' }, { use: './old.mjs', enabled: false }]),
    });
    expect(res.code).toBe(0);
    expect(res.stderr).toBe('');
  });

  it('a malformed `deprecated` is a manifest problem (exit 2), named', async () => {
    const bad = OLD.replace("until: '2026-12-31'", "until: 'end of 2026'");
    const res = await runCli(['validate'], { cwd: project([{ use: './old.mjs' }], { 'old.mjs': bad }) });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('deprecated.until: must be a date YYYY-MM-DD');
  });
});
