/**
 * The CDK app: `npm run synth` (offline, into infra/cdk.out) or
 * `npx --no-install cdk deploy --app "npx tsx infra/bin/app.ts"` (the CDK CLI pinned in infra's devDependencies). The config is `LIFE_STATS_CONFIG`, else
 * the repository's life-stats.config.json.
 */
import { fileURLToPath } from 'node:url';
import { formatError } from '@life-stats/core';
import { App } from 'aws-cdk-lib';
import { createLifeStatsApp } from '../src/create-app.js';

// npm runs workspace scripts in the workspace folder; INIT_CWD is where `npm run synth` was typed,
// so a relative LIFE_STATS_CONFIG means what the user meant.
const cwd = process.env.INIT_CWD ?? process.cwd();
// The cdk CLI sets CDK_OUTDIR; run directly (npm run synth), the output goes to infra/cdk.out.
const outdir = process.env.CDK_OUTDIR ?? fileURLToPath(new URL('../cdk.out', import.meta.url));

try {
  const { app, bundle, stack } = await createLifeStatsApp({ app: new App({ outdir }), cwd });
  for (const file of bundle.notShipped) {
    process.stderr.write(
      `life-stats: warning: ${file} is outside the config's folder and is not shipped with the Lambda; move it next to the config to use it there\n`,
    );
  }
  const assembly = app.synth();
  process.stderr.write(
    `life-stats: synthesized ${stack.stackName} (${stack.rules.size} schedule${stack.rules.size === 1 ? '' : 's'}, handler ${(bundle.bytes / 1024).toFixed(0)} KiB) into ${assembly.directory}\n`,
  );
} catch (error) {
  process.stderr.write(`${formatError(error)}\n`);
  process.exitCode = 2;
}
