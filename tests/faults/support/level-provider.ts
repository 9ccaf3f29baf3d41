import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eachDate } from '@life-stats/core';
import type { ExpectedRow } from './case.js';

export const PLUGIN_ID = 'slow-level';
export const METRIC = 'level';
/** What the source holds for a user on a date. */
export const sourceValue = (user: string, date: string) =>
  [...`${user}${date}`].reduce((n, ch) => n + ch.charCodeAt(0), 0) * 7 + 0.5;

// ---------------------------------------------------------------------------------------------
// A provider on loopback: per user and date, only with the user's own token; it can hold answers.

export interface Provider {
  url: string;
  /** Every (user, date) it answered, with the answer's value. */
  served: Map<string, ExpectedRow>;
  /** Requests per user. */
  requests: Map<string, number>;
  /** Every request: which process sent it, and when. */
  log: { pid: string; at: number }[];
  /** Answers held back right now. */
  held: () => number;
  /** Hold the answers `rule` picks (user, the user's request number from 0); none by default. */
  hold(rule: (user: string, n: number) => boolean): void;
  /** Answer everything held, and hold nothing more. */
  release(): void;
  /** Delay every answer by this much. */
  delayMs: number;
  stop(): Promise<void>;
}

export async function startProvider(tokens: Map<string, string>): Promise<Provider> {
  const held: (() => void)[] = [];
  let rule: (user: string, n: number) => boolean = () => false;
  const provider: Omit<Provider, 'url' | 'stop'> & { url: string; stop: () => Promise<void> } = {
    url: '',
    served: new Map(),
    requests: new Map(),
    log: [],
    held: () => held.length,
    hold: (r) => {
      rule = r;
    },
    release: () => {
      rule = () => false;
      for (const answer of held.splice(0)) answer();
    },
    delayMs: 0,
    stop: async () => {},
  };
  const answer = (res: ServerResponse, user: string, start: string, end: string) => {
    if (res.destroyed) return;
    const days = eachDate(start, end).map((date) => ({ date, value: sourceValue(user, date) }));
    for (const d of days) provider.served.set(`${user}|${d.date}`, { user, metric: METRIC, ...d });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ days }));
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, , user = '', kind] = url.pathname.split('/');
    const start = url.searchParams.get('start') ?? '';
    const end = url.searchParams.get('end') ?? '';
    provider.log.push({ pid: url.searchParams.get('pid') ?? '', at: Date.now() });
    if (kind !== 'level' || req.headers.authorization !== `Bearer ${tokens.get(user)}`) {
      res.statusCode = 401;
      res.end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    const n = provider.requests.get(user) ?? 0;
    provider.requests.set(user, n + 1);
    if (rule(user, n)) {
      held.push(() => answer(res, user, start, end));
      return;
    }
    if (provider.delayMs > 0) setTimeout(() => answer(res, user, start, end), provider.delayMs);
    else answer(res, user, start, end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  provider.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  provider.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return provider as Provider;
}
