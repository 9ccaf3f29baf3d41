import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hasErrorCode } from '@life-stats/core';
import { createHandler, handler as defaultHandler } from '@life-stats/core/lambda';
import { describe, expect, it } from 'vitest';
import { context, example, statuses, useLambdaRig } from './support/lambda-rig.js';

const rig = useLambdaRig();

describe('Lambda handler end to end, across invocations (DynamoDB on loopback, SSM fake, fake provider)', () => {
  it('reports pairs it had no time for as deferred, and a later invocation completes them', async () => {
    const handler = createHandler({ deadlineMarginMs: 30_000 });
    let calls = 0;
    // Plenty of time when the run arms its hard stop and when the first pair starts, then the deadline is near.
    const summary = await handler(
      { metric: 'steps' },
      context(() => (calls++ < 2 ? 600_000 : 10_000)),
    );
    expect(statuses(summary)).toEqual({
      deferred: 12,
      ...(summary.runs[0]?.status === 'ok' ? { ok: 1 } : { skipped: 1 }),
    });
    for (const run of summary.runs.filter((r) => r.status === 'deferred')) {
      expect(run.error).toMatch(/deadline/);
    }
    const deferredUsers = summary.runs.filter((r) => r.status === 'deferred').map((r) => r.user);
    const rowsAfter = await rig.dynamo.scan(rig.tables.runsTable);
    expect(rowsAfter.filter((r) => deferredUsers.includes(r.user_id?.S as string))).toEqual([]);

    const next = await handler({ metric: 'steps' }, context());
    expect(statuses(next)).toEqual({ ok: 12, skipped: 1 });
    expect(
      rig.stdout
        ?.json()
        .filter((l) => 'Pairs' in l && l.Status === 'deferred')
        .map((l) => l.Pairs),
    ).toEqual([12, 0]);
  });

  it('fails the invocation, with an error line, for a selection that matches nothing', async () => {
    const handler = createHandler();
    const error = await handler({ metric: 'nope' }, context()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(hasErrorCode(error, 'E_USAGE')).toBe(true);
    const line = rig.stdout?.json().find((l) => l.level === 'ERROR');
    expect(line?.message).toContain('no enabled plugin entry writes metric "nope"');
    expect(await rig.dynamo.scan(rig.tables.metricsTable)).toEqual([]);
    // The container is fine: the next, valid event runs.
    expect(statuses(await handler({ metric: 'water_ml' }, context()))).toEqual({ ok: 1 });
  });

  it('exports a ready handler that keeps its stores across invocations', async () => {
    const first = await defaultHandler(example('user.json'), context());
    expect(statuses(first)).toEqual({ ok: 1, skipped: 1 });
    // The table names were read once, on the first invocation: the container keeps its stores even
    // when the environment of the test changes (it cannot change in a real container).
    process.env.LIFE_STATS_METRICS_TABLE = 'not-read-again';
    const second = await defaultHandler(example('user.json'), context());
    expect(statuses(second)).toEqual({ ok: 1, skipped: 1 });
    expect((await rig.dynamo.scan(rig.tables.metricsTable)).length).toBeGreaterThan(0);
  });

  it('works bundled with esbuild, as the infra deploys it (the CommonJS SDK loaded through a bundle)', async () => {
    const { build } = await import('esbuild');
    // Inside the repository, so the bundle's externals resolve from node_modules (.gitignored folder).
    const artifacts = fileURLToPath(new URL('./test-artifacts/', import.meta.url));
    mkdirSync(artifacts, { recursive: true });
    const outdir = mkdtempSync(join(artifacts, 'lambda-bundle-'));
    try {
      await build({
        entryPoints: [fileURLToPath(new URL('../../core/src/lambda/handler.ts', import.meta.url))],
        bundle: true,
        splitting: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        outdir,
        outExtension: { '.js': '.mjs' },
        external: ['better-sqlite3', 'typescript'],
        banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
        logLevel: 'silent',
      });
      const bundled = (await import(pathToFileURL(join(outdir, 'handler.mjs')).href)) as {
        handler: typeof defaultHandler;
      };
      const summary = await bundled.handler({ metric: 'steps' }, context());
      expect(statuses(summary)).toEqual({ ok: 12, skipped: 1 });
      expect(rig.events.events.at(-1)?.Source).toBe('life-stats');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
