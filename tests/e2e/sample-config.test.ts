import { spawnSync } from 'node:child_process';
import { CLI, ROOT, sampleProject, sdkTracer } from '@life-stats/testing/sample-project';
import { describe, expect, it } from 'vitest';

/** From the repository root (where the plugins are installed), with the temp copy of its config. */
function cli(args: string[], config: string | undefined, extra: string[] = []) {
  const withConfig = config ? [...args, '--config', config] : args;
  return spawnSync(process.execPath, [...extra, CLI, ...withConfig], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CI: 'true' },
  });
}

describe('the repository config, run as a new user would (built CLI, separate process)', () => {
  it('run exits 0 and stores rows; a rerun adds no duplicates; query prints them; no SDK is loaded', () => {
    const { dir, config } = sampleProject();
    const tracer = sdkTracer(dir);
    const first = cli(['run'], config, ['--import', tracer]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).not.toContain('SDK-LOADED');
    expect(first.stdout).toMatch(/me\s+weight\s+csv\s+ok/);
    expect(first.stdout).toMatch(/me\s+mood\s+csv\s+ok/);

    const rows = () =>
      JSON.parse(cli(['query', '--format', 'json'], config).stdout) as {
        user_id: string;
        metric_type: string;
        date: string;
      }[];
    const before = rows();
    expect(before.length).toBeGreaterThan(60);
    expect(cli(['run'], config).status).toBe(0);
    const after = rows();
    expect(after.length).toBe(before.length);
    const keys = new Set(after.map((r) => `${r.user_id}|${r.metric_type}|${r.date}`));
    expect(keys.size).toBe(after.length);
    expect(after.find((r) => r.metric_type === 'weight' && r.date === '2026-11-25')).toMatchObject({
      user_id: 'me',
      source: 'csv',
    });
  });

  it('validate passes on the committed config as it is', () => {
    const res = cli(['validate'], undefined);
    expect(res.status, res.stderr).toBe(0);
  });
});
