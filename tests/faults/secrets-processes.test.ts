/**
 * Secrets faults, the file store across processes: two runs rotating single-use tokens and ten
 * `secrets set` at once, each in its own real CLI process, lose no write (see secrets-file.test.ts).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addDays, eachDate } from '@life-stats/core';
import { CLI } from '@life-stats/testing/sample-project';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { afterEach, describe, expect } from 'vitest';
import { type CaseRecorder, expectedDays, faultCase } from './support/case.js';
import { sqliteRows, sqliteRun } from './support/rows.js';

import { dayValue } from './support/secrets-rig.js';

const projects: TempProject[] = [];

afterEach(() => {
  for (const p of projects.splice(0)) p.remove();
});

/**
 * A provider whose tokens are single-use, as Oura's refresh tokens are: each answer carries the
 * user's next token and the presented one dies.
 */
async function startRotatingProvider(c: CaseRecorder, users: string[]) {
  const tokens = new Map(users.map((u) => [u, c.secret(`rotating-${u}`)]));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const user = url.searchParams.get('user') ?? '';
    res.setHeader('content-type', 'application/json');
    if (!tokens.has(user) || req.headers.authorization !== `Bearer ${tokens.get(user)}`) {
      res.statusCode = 401;
      return res.end(JSON.stringify({ error: 'invalid_token' }));
    }
    const next = `${user}-next-${Math.random().toString(36).slice(2)}-${Date.now()}`;
    c.watchSecret(next);
    tokens.set(user, next);
    const dates = eachDate(url.searchParams.get('start') ?? '', url.searchParams.get('end') ?? '');
    res.end(JSON.stringify({ next, days: dates.map((date) => ({ date, value: dayValue(date) })) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    tokens,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const ROTATOR = `
export default {
  id: 'rotator',
  apiVersion: 1,
  metric: { type: 'steps' },
  secrets: { user: ['token'] },
  maxDaysPerFetch: 90,
  configSchema: { type: 'object', properties: { baseUrl: { type: 'string' } }, required: ['baseUrl'] },
  async fetch(ctx) {
    const url = new URL('days?user=' + ctx.user.id + '&start=' + ctx.window.start + '&end=' + ctx.window.end, ctx.config.baseUrl);
    const response = await fetch(url, { headers: { authorization: 'Bearer ' + ctx.secrets.get('token') }, signal: ctx.signal });
    if (!response.ok) throw new Error('provider answered ' + response.status);
    const body = await response.json();
    // The presented token is dead now: the next one must be stored before anything else.
    await ctx.secrets.set('token', body.next);
    return body.days;
  },
};
`;

/** A real CLI process (the built one), its output seen by the case. */
function spawnCli(
  c: CaseRecorder,
  args: string[],
  cwd: string,
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = [process.execPath, CLI, ...args];
  c.see(argv.join(' '));
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('LIFE_STATS_')) env[key] = value;
  // The test run's validator cache (vitest.config.ts), not the user's ~/.cache.
  env.LIFE_STATS_CACHE_DIR = process.env.LIFE_STATS_CACHE_DIR;
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(stdin);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      c.see(stdout, stderr);
      resolve({ code, stdout, stderr });
    }),
  );
}

describe('secrets faults across processes', () => {
  faultCase(
    'secrets',
    'two runs rotating single-use tokens and ten `secrets set` in separate processes at once: every stored write is in the file, the next runs go on',
    async (c) => {
      const users = ['ann', 'bob'];
      const rotating = await startRotatingProvider(c, users);
      try {
        const p = createTempProject({
          'plugins/rotator.mjs': ROTATOR,
          'life-stats.config.json': {
            timezone: 'UTC',
            backfillDays: 3,
            storage: { type: 'sqlite', path: 'data/life-stats.db' },
            secrets: { type: 'file', path: 'secrets.json' },
            users: users.map((id) => ({ id, timezone: 'UTC' })),
            plugins: [{ use: './plugins/rotator.mjs', config: { baseUrl: rotating.url } }],
          },
        });
        projects.push(p);
        const config = p.path('life-stats.config.json');
        const secretsFile = p.path('secrets.json');
        writeFileSync(
          secretsFile,
          JSON.stringify({
            rotator: { users: Object.fromEntries(users.map((u) => [u, { token: rotating.tokens.get(u) }])) },
          }),
          { mode: 0o600 },
        );
        chmodSync(secretsFile, 0o600);
        const extras = Array.from({ length: 10 }, (_, i) => c.secret(`extra-${i}`));
        // SQLite takes one writer at a time; the two runs would also contend for the cursor rows,
        // so each runs one user: the contention under test is the secrets file.
        const results = await Promise.all([
          ...users.map((u) => spawnCli(c, ['run', '--user', u, '--config', config], p.dir)),
          ...extras.map((value, i) =>
            spawnCli(c, ['secrets', 'set', 'other', `key_${i}`, '--config', config], p.dir, value),
          ),
        ]);
        for (const result of results) expect(result.code, result.stderr).toBe(0);
        const file = JSON.parse(readFileSync(secretsFile, 'utf8'));
        for (const u of users) expect(file.rotator.users[u].token).toBe(rotating.tokens.get(u));
        for (const [i, value] of extras.entries()) expect(file.other[`key_${i}`]).toBe(value);

        // The stored tokens are the live ones: the next runs (again at once) work and rotate again.
        const again = await Promise.all(users.map((u) => spawnCli(c, ['run', '--user', u, '--config', config], p.dir)));
        for (const result of again) expect(result.code, result.stderr).toBe(0);
        const after = JSON.parse(readFileSync(secretsFile, 'utf8'));
        for (const u of users) expect(after.rotator.users[u].token).toBe(rotating.tokens.get(u));
        const today = new Date().toISOString().slice(0, 10);
        const dates = eachDate(addDays(today, -3), today);
        c.checkRows(
          users.flatMap((u) => expectedDays(u, 'steps', dates, dayValue)),
          sqliteRows(p.path('data/life-stats.db')),
        );
        for (const u of users)
          expect(sqliteRun(p.path('data/life-stats.db'), u, 'steps')).toMatchObject({ last_status: 'ok' });
      } finally {
        await rotating.close();
      }
    },
    120_000,
  );
});
