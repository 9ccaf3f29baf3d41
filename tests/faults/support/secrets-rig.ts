/**
 * The `secrets` fault group's rig: a provider on loopback that answers only to the current token,
 * and a project on disk whose plugin file asks it (config, SQLite store, a secrets file path).
 */
import { once } from 'node:events';
import { chmodSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { addDays, eachDate } from '@life-stats/core';
import { runCli } from '@life-stats/testing/cli';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { type CaseRecorder, expectedDays } from './case.js';

/** What the provider holds for a date: a distinct, non-integer number per day. */
export const dayValue = (date: string) => Number(date.slice(2).replaceAll('-', '')) / 100;

/** A provider on loopback that answers only to the current token. */
export interface TokenProvider {
  url: string;
  /** The token it accepts now. */
  token: string;
  stop(): Promise<void>;
}

export async function startTokenProvider(): Promise<TokenProvider> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== `Bearer ${provider.token}`) {
      res.statusCode = 401;
      return res.end(JSON.stringify({ error: 'invalid_token' }));
    }
    const dates = eachDate(url.searchParams.get('start') ?? '', url.searchParams.get('end') ?? '');
    res.end(JSON.stringify({ days: dates.map((date) => ({ date, value: dayValue(date) })) }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const provider: TokenProvider = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    token: '',
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return provider;
}

const PLUGIN = `
export default {
  id: 'counter',
  apiVersion: 1,
  metric: { type: 'steps' },
  secrets: { user: ['token'] },
  maxDaysPerFetch: 90,
  configSchema: { type: 'object', properties: { baseUrl: { type: 'string' } }, required: ['baseUrl'] },
  async fetch(ctx) {
    const url = new URL('days?start=' + ctx.window.start + '&end=' + ctx.window.end, ctx.config.baseUrl);
    const response = await fetch(url, { headers: { authorization: 'Bearer ' + ctx.secrets.get('token') }, signal: ctx.signal });
    if (!response.ok) throw new Error('provider answered ' + response.status);
    return (await response.json()).days;
  },
};
`;

/** A project on disk: config, plugin file, a SQLite store and a secrets file path (not created). */
export function project(c: CaseRecorder, provider: TokenProvider, projects: TempProject[]) {
  const p = createTempProject({
    'plugins/counter.mjs': PLUGIN,
    'life-stats.config.json': {
      timezone: 'UTC',
      backfillDays: 3,
      storage: { type: 'sqlite', path: 'data/life-stats.db' },
      secrets: { type: 'file', path: 'secrets.json' },
      users: [{ id: 'me', timezone: 'UTC' }],
      plugins: [{ use: './plugins/counter.mjs', config: { baseUrl: provider.url } }],
    },
  });
  projects.push(p);
  provider.token = c.secret('token');
  const config = p.path('life-stats.config.json');
  const db = p.path('data/life-stats.db');
  const secretsFile = p.path('secrets.json');
  const cli = async (argv: string[], stdin?: string) => {
    const result = await runCli(argv, { cwd: p.dir, ...(stdin === undefined ? {} : { stdin }) });
    c.see(argv, result.stdout, result.stderr);
    return result;
  };
  const run = () => cli(['run', '--config', config]);
  /** The secrets file as the user keeps it: the token of `me`, mode 0600. */
  const goodFile = () => {
    writeFileSync(
      secretsFile,
      `${JSON.stringify({ counter: { users: { me: { token: provider.token } } } }, null, 2)}\n`,
      {
        mode: 0o600,
      },
    );
    chmodSync(secretsFile, 0o600);
  };
  const expected = () => {
    const today = new Date().toISOString().slice(0, 10);
    return expectedDays('me', 'steps', eachDate(addDays(today, -3), today), dayValue);
  };
  return { p, config, db, secretsFile, cli, run, goodFile, expected };
}
