/**
 * The path of a third-party plugin, end to end: scaffold, build, `npm pack`, install the tarball
 * into a separate project, find it with `life-stats plugins`, enable it with one config entry, set
 * its secret, run, and see its schedule in the synthesized stack. Core itself is not installed from a tarball: its native dependency
 * (better-sqlite3) cannot be installed offline in reasonable time, so the project resolves
 * `@life-stats/core` through the workspace, as a project inside this repository does.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startFakeServer } from '@life-stats/core/testing';
import { runCli } from '@life-stats/testing/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { removeSynthOutputs, synthLifeStats } from '../infra/support/synth.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SHELL = process.platform === 'win32'; // Node refuses to spawn a .cmd without a shell

mkdirSync(join(REPO, '.tmp'), { recursive: true });
const root = mkdtempSync(join(REPO, '.tmp', 'packed-plugin-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  removeSynthOutputs();
});

describe('a scaffolded plugin, packed and installed from its tarball', () => {
  it('is listed, enabled by one config entry, and runs with its secret', async () => {
    expect(existsSync(join(REPO, 'core/dist/index.js')), 'core/dist is missing: run `npm run build` first').toBe(true);
    mkdirSync(join(root, 'authoring'));
    const scaffolded = await runCli(['plugin', 'new', 'acme-water', '--dir', join(root, 'authoring')], { cwd: root });
    expect(scaffolded.code).toBe(0);
    const created = join(root, 'authoring', 'life-stats-plugin-acme-water');
    expect(existsSync(join(created, 'package.json')), `scaffolded into ${created}`).toBe(true);
    await run(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: created,
    });
    await run(NPM, ['pack', '--pack-destination', root, '--silent'], { cwd: created, shell: SHELL });
    const tarball = readdirSync(root).find((f) => f.endsWith('.tgz'));
    expect(tarball).toBe('life-stats-plugin-acme-water-0.1.0.tgz');

    const project = join(root, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-stats', private: true, type: 'module' }));
    writeFileSync(
      join(project, 'life-stats.config.json'),
      JSON.stringify({
        timezone: 'UTC',
        backfillDays: 3,
        storage: { type: 'sqlite', path: 'data/ls.db' },
        secrets: { type: 'file', path: 'data/secrets.json' },
        users: [{ id: 'me' }],
        plugins: [],
      }),
    );
    // The peer dependency (@life-stats/core) comes from the workspace, not the registry.
    await run(
      NPM,
      ['install', '--offline', '--no-audit', '--no-fund', '--legacy-peer-deps', join(root, tarball as string)],
      { cwd: project, shell: SHELL },
    );

    const listed = await runCli(['plugins', '--json'], { cwd: project });
    expect(listed.code).toBe(0);
    const installed = (JSON.parse(listed.stdout) as { plugins: Record<string, unknown>[] }).plugins;
    expect(installed).toContainEqual(
      expect.objectContaining({
        package: 'life-stats-plugin-acme-water',
        version: '0.1.0',
        id: 'acme-water',
        enabled: false,
        metric: 'acme_water',
        secrets: { namespace: 'acme-water', user: ['api_key'], shared: [] },
        problems: [],
      }),
    );

    const server = await startFakeServer({
      'GET /daily': (request) =>
        request.headers.authorization === 'Bearer k-123'
          ? { json: { days: [{ date: request.query.to ?? '', value: 7 }] } }
          : { status: 401, json: {} },
    });
    try {
      writeFileSync(
        join(project, 'life-stats.config.json'),
        JSON.stringify({
          timezone: 'UTC',
          backfillDays: 3,
          storage: { type: 'sqlite', path: 'data/ls.db' },
          secrets: { type: 'file', path: 'data/secrets.json' },
          users: [{ id: 'me' }],
          plugins: [{ use: 'acme-water', config: { baseUrl: server.url } }],
        }),
      );
      const secret = await runCli(['secrets', 'set', 'acme-water', 'api_key', '--user', 'me'], {
        cwd: project,
        stdin: 'k-123',
      });
      expect(secret.code).toBe(0);

      const enabled = await runCli(['plugins', '--json'], { cwd: project });
      const entries = (JSON.parse(enabled.stdout) as { plugins: Record<string, unknown>[] }).plugins;
      expect(entries.filter((p) => p.package === 'life-stats-plugin-acme-water')).toEqual([
        expect.objectContaining({ source: 'config', enabled: true, metric: 'acme_water', schedule: 'rate(1 day)' }),
      ]);

      const result = await runCli(['run'], { cwd: project });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const query = await runCli(['query', '--format', 'json'], { cwd: project });
      const rows = JSON.parse(query.stdout) as { metric_type: string; value: number; source: string }[];
      expect(rows).toEqual([expect.objectContaining({ metric_type: 'acme_water', value: 7 })]);

      // Deploying gives the entry its own EventBridge rule with its schedule (and cdk-nag checks
      // the stack a third-party plugin makes, as it checks every stack the tests synthesize).
      const built = await synthLifeStats({ cwd: project, env: {} });
      const rule = built.stack.rules.get('acme_water');
      expect(rule, 'a schedule rule for the acme_water entry').toBeDefined();
      const template = built.app.synth().getStackByName(built.stack.stackName).template as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
      expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule')).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            ScheduleExpression: 'rate(1 day)',
            Description: expect.stringContaining('acme_water'),
            Targets: [expect.objectContaining({ Input: JSON.stringify({ metric: 'acme_water' }) })],
          }),
        }),
      ]);
    } finally {
      await server.close();
    }
  }, 120_000); // ~30 s alone: tsc, npm pack, npm install and the handler bundle
});
