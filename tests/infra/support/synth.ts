/**
 * Every CDK app the tests synthesize goes through here, so every stack variant they build — the
 * repository's config, a DynamoDB/SSM/event-bus config with the GitHub OIDC stack, a third-party
 * plugin, and whatever later tests add — is checked by cdk-nag's AWS Solutions pack: synthesis fails
 * on any finding not acknowledged in the stack's code (`infra/src/acknowledge.ts`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CreateAppOptions, createLifeStatsApp, type LifeStatsApp } from '@life-stats/infra';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/** One finding of a validation report (`validation-report.json` of the cloud assembly). */
interface NagFinding {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
  /** For an acknowledged finding. */
  reason?: string;
}

/** What cdk-nag reported for one synthesized app. */
export interface NagReport {
  conclusion: string;
  violations: NagFinding[];
  suppressedViolations: NagFinding[];
}

const outdirs: string[] = [];

/** A fresh cloud-assembly folder, removed by {@link removeSynthOutputs}. */
export function synthOutdir(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'life-stats-cdk-'));
  outdirs.push(outdir);
  return outdir;
}

/** Remove every folder {@link synthOutdir} made (call in `afterAll`). */
export function removeSynthOutputs(): void {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Add the AWS Solutions checks to an app (before its stacks are synthesized). */
export function addNagChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
}

function readReport(outdir: string): NagReport {
  const file = join(outdir, 'validation-report.json');
  if (!existsSync(file)) throw new Error(`no cdk-nag report in ${outdir}: were the checks added?`);
  const report = JSON.parse(readFileSync(file, 'utf8')) as { pluginReports: (NagReport & { pluginName: string })[] };
  const nag = report.pluginReports.find((p) => p.pluginName === 'AwsSolutions');
  if (!nag) throw new Error('the validation report has no AwsSolutions section');
  return {
    conclusion: nag.conclusion,
    violations: nag.violations,
    suppressedViolations: nag.suppressedViolations ?? [],
  };
}

/**
 * Synthesize `app` with the checks added, and return cdk-nag's report. Throws, listing every
 * unacknowledged finding (rule and construct path), when there is one.
 */
export function synthWithNag(app: App): NagReport {
  try {
    app.synth();
  } catch (error) {
    if (!existsSync(join(app.outdir, 'validation-report.json'))) throw error;
    const report = readReport(app.outdir);
    const lines = report.violations.map(
      (v) => `  ${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`,
    );
    throw new Error(
      `cdk-nag (AwsSolutions) found what the stack does not acknowledge:\n${lines.join('\n')}\n` +
        'Fix it, or acknowledge it with the reason in infra/src (Validations.of(…).acknowledge).',
      { cause: error },
    );
  }
  return readReport(app.outdir);
}

/** {@link createLifeStatsApp} on a fresh app with cdk-nag, synthesized: the app, its report, its templates. */
export async function synthLifeStats(
  options: Omit<CreateAppOptions, 'app'> & { context?: Record<string, string> },
): Promise<LifeStatsApp & { nag: NagReport; outdir: string }> {
  const { context, ...rest } = options;
  const outdir = synthOutdir();
  const app = new App({ outdir, ...(context ? { context } : {}) });
  addNagChecks(app);
  const built = await createLifeStatsApp({ ...rest, app });
  const nag = synthWithNag(app);
  return { ...built, nag, outdir };
}
