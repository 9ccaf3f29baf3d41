/**
 * What the repository's GitHub workflows must hold to (issue 17, item 16), as rules a test runs on
 * the parsed YAML:
 * - no job that installs dependencies with their scripts, builds, tests or runs project code can
 *   get AWS credentials (OIDC `id-token: write`, `configure-aws-credentials`, AWS keys from
 *   secrets); a job with credentials installs only with `--ignore-scripts`, before the credentials
 *   exist, and then runs nothing but `cdk deploy` of an assembly folder;
 * - the `deploy` job `needs:` the job that runs the tests;
 * - every action from another repository is pinned to a commit SHA;
 * - nothing runs `npx --yes` (a package fetched and run unpinned).
 */
import { parse } from 'yaml';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  env?: Record<string, unknown>;
  with?: Record<string, unknown>;
}

interface Job {
  needs?: string | string[];
  permissions?: string | Record<string, string>;
  env?: Record<string, unknown>;
  steps?: Step[];
}

interface Workflow {
  permissions?: string | Record<string, string>;
  env?: Record<string, unknown>;
  jobs?: Record<string, Job>;
}

const SHA = /^[0-9a-f]{40}$/;
const AWS_SECRET = /secrets\.AWS_|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/;
/** Steps that run code of the project or of its dependencies. */
const RUNS_CODE =
  /\bnpm\s+(test|t|run|run-script|start|exec|rebuild|pack|publish)\b|\bnpm\s+(ci|install|i|add)\b(?![^\n]*--ignore-scripts)|\bnpx\b(?![^\n]*\bcdk\s+deploy\b)|\btsx\b|\bnode\b|\bvitest\b|\bcdk\s+synth\b/;
/** What a credentialed job may run once it has credentials: `cdk deploy` of a synthesized assembly folder. */
const DEPLOY_ASSEMBLY = /^npx --no-install cdk deploy [\w -]*--app [\w./-]+(?: [\w=-]+)*$/;

function grantsIdToken(permissions: Job['permissions']): boolean {
  if (permissions === 'write-all') return true;
  return typeof permissions === 'object' && permissions?.['id-token'] === 'write';
}

const mentionsAwsSecret = (value: unknown) => AWS_SECRET.test(JSON.stringify(value ?? {}));

/** Is this step the one that hands the job AWS credentials? */
function isCredentialStep(step: Step): boolean {
  return (
    (step.uses?.startsWith('aws-actions/configure-aws-credentials@') ?? false) ||
    mentionsAwsSecret(step.env) ||
    mentionsAwsSecret(step.with)
  );
}

/** The problems of one workflow file (`name` for the messages). */
export function workflowProblems(name: string, text: string): string[] {
  const workflow = parse(text) as Workflow;
  const problems: string[] = [];
  const jobs = Object.entries(workflow.jobs ?? {});
  const testJobs = jobs.filter(([, job]) => (job.steps ?? []).some((s) => /\bnpm\s+(test|t)\b/.test(s.run ?? '')));

  for (const [id, job] of jobs) {
    const steps = job.steps ?? [];
    const where = `${name}: job ${id}`;
    const jobWide =
      grantsIdToken(job.permissions ?? workflow.permissions) ||
      mentionsAwsSecret(job.env) ||
      mentionsAwsSecret(workflow.env);
    const credentialAt = steps.findIndex(isCredentialStep);
    const credentialed = jobWide || credentialAt >= 0;
    if (credentialed) {
      steps.forEach((step, i) => {
        const run = step.run?.trim();
        if (run === undefined) return;
        const label = `step ${i + 1} (${step.name ?? run.split('\n')[0]})`;
        // Anywhere in such a job: with `id-token: write` every step can ask for the OIDC token,
        // and code run before the credentials step could still tamper with what runs after it
        // (node_modules/.bin/cdk, the workspace).
        if (RUNS_CODE.test(run)) {
          problems.push(`${where} can get AWS credentials, and ${label} runs project or dependency code`);
        } else if (credentialAt >= 0 && i > credentialAt && !DEPLOY_ASSEMBLY.test(run)) {
          problems.push(`${where}: ${label} runs with AWS credentials and is not \`cdk deploy\` of an assembly folder`);
        }
      });
    }
    if (id === 'deploy') {
      const needs = Array.isArray(job.needs) ? job.needs : job.needs ? [job.needs] : [];
      if (testJobs.length === 0) problems.push(`${name}: no job runs \`npm test\` before \`deploy\``);
      else if (!testJobs.some(([testId]) => needs.includes(testId))) {
        problems.push(`${where} does not need the job that runs the tests (${testJobs.map(([t]) => t).join(', ')})`);
      }
    }
    steps.forEach((step, i) => {
      const uses = step.uses;
      if (uses && !uses.startsWith('./') && !uses.startsWith('docker://')) {
        const ref = uses.split('@')[1] ?? '';
        if (!SHA.test(ref)) problems.push(`${where}: step ${i + 1} uses ${uses}, not pinned to a commit SHA`);
      }
      if (/\bnpx\s+(?:[^\n]*\s)?(--yes|-y)\b/.test(step.run ?? '')) {
        problems.push(`${where}: step ${i + 1} runs \`npx --yes\` (an unpinned package fetched and run)`);
      }
    });
  }
  return problems;
}
