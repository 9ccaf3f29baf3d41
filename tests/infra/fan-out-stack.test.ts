/**
 * The stack with and without `"fanOut"` (DESIGN.md "Lambda", "Fan-out"; issue 19): without it the
 * template is exactly the one before fan-out existed (a file snapshot recorded from that code, the
 * bundle's asset hash aside); with it, the queue, its dead-letter queue, the worker, the event
 * source, the alarms and the IAM split. Synthesized through the shared helper, so cdk-nag checks both.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempProject, type TempProject } from '@life-stats/testing/temp-project';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeSynthOutputs, synthLifeStats } from './support/synth.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const noDeployEnv = { ...process.env, CDK_DEFAULT_ACCOUNT: '', CDK_DEFAULT_REGION: '', LIFE_STATS_CONFIG: '' };

async function synth(configPath: string): Promise<Template> {
  const built = await synthLifeStats({ configPath, cwd: repoRoot, env: noDeployEnv });
  return Template.fromStack(built.stack);
}

/** The template with what changes whenever any bundled source changes (the asset's hash) masked. */
function normalized(template: Template): unknown {
  return JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}(\.zip)?/g, '<asset>$1'));
}

const config = (fanOut?: Record<string, unknown>) => ({
  timezone: 'UTC',
  storage: { type: 'dynamodb', metricsTable: 'club-metrics', runsTable: 'club-runs' },
  secrets: { type: 'ssm', prefix: '/club' },
  users: [{ id: 'me' }],
  plugins: [
    { use: 'google-fit-steps', metric: 'steps' },
    { use: 'csv', metric: 'weight', config: { file: 'data/weight.csv', dateColumn: 'date', valueColumn: 'kg' } },
  ],
  ...(fanOut ? { fanOut } : {}),
});

let project: TempProject;
let plain: Template;
let fanned: Template;
let tuned: Template;

beforeAll(async () => {
  project = createTempProject({
    'data/weight.csv': 'date,kg\n2026-11-01,70.5\n',
    'plain.json': config(),
    'fanned.json': config({}),
    'tuned.json': config({ maxConcurrency: 40, batchSize: 5 }),
  });
  [plain, fanned, tuned] = await Promise.all([
    synth(project.path('plain.json')),
    synth(project.path('fanned.json')),
    synth(project.path('tuned.json')),
  ]);
}, 180_000);

afterAll(() => {
  project?.remove();
  removeSynthOutputs();
});

describe('without fanOut', () => {
  it('is exactly the stack from before fan-out', async () => {
    await expect(JSON.stringify(normalized(plain), null, 2)).toMatchFileSnapshot('fixtures/stack-without-fan-out.json');
  });
});
