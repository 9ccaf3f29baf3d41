import type { CliResult } from '@life-stats/testing/cli';
import { expect } from 'vitest';

/** A fake provider's consent side, as the OAuth e2e tests drive it. */
export interface ConsentSide {
  clientId: string;
  clientSecret: string;
  /** Where the consent URL `life-stats auth` prints starts. */
  consentPrefix: string;
  /** What a browser does with the consent URL: the user approves. */
  approve(consent: URL): Promise<unknown>;
}

type Cli = (
  argv: string[],
  config: string,
  extra?: { stdin?: string; onStderr?: (chunk: string) => void },
) => Promise<CliResult>;

/**
 * Connect `user` as a user would: the app's client stored with `secrets set` (from stdin, never
 * argv), then `life-stats auth <plugin> --user U --no-open`, whose printed consent URL is approved
 * as a browser would. Every CLI result goes to `keep` (for "no secret printed" checks).
 */
export async function connectThroughCli(
  cli: Cli,
  provider: ConsentSide,
  options: { config: string; pluginId: string; namespace?: string; user: string; keep?: (r: CliResult) => void },
): Promise<{ consent: URL | undefined; auth: CliResult }> {
  const { config, pluginId, user } = options;
  const keep = options.keep ?? (() => {});
  for (const [name, value] of [
    ['client_id', provider.clientId],
    ['client_secret', provider.clientSecret],
  ] as const) {
    const stored = await cli(['secrets', 'set', options.namespace ?? pluginId, name], config, { stdin: `${value}\n` });
    keep(stored);
    expect(stored.code).toBe(0);
  }
  let consent: URL | undefined;
  let browsed: Promise<unknown> | undefined;
  const auth = await cli(['auth', pluginId, '--user', user, '--no-open'], config, {
    onStderr: (chunk) => {
      const line = chunk.split('\n').find((l) => l.trim().startsWith(provider.consentPrefix));
      if (!line || browsed) return;
      consent = new URL(line.trim());
      browsed = provider.approve(consent);
    },
  });
  await browsed;
  keep(auth);
  return { consent, auth };
}
