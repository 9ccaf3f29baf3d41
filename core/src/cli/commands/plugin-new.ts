import { relative } from 'node:path';
import { createPluginPackage } from '../../scaffold/create-plugin-package.js';
import type { CommandContext } from '../context.js';

interface PluginNewFlags {
  dir?: string;
}

/** `plugin new <name> [--dir D]`: scaffold a plugin package and say what to do next. */
export async function executePluginNew(ctx: CommandContext, name: string, flags: PluginNewFlags): Promise<number> {
  const created = createPluginPackage(name, { dir: flags.dir ?? ctx.io.cwd });
  const shown = relative(ctx.io.cwd, created.dir) || '.';
  ctx.io.stdout.write(
    [
      `Created ${created.packageName} in ${shown} (${created.files.join(', ')}).`,
      '',
      'Next:',
      `  cd ${shown}`,
      '  npm install',
      '  npm test            # the plugin kit against a local fake provider',
      '  npm run build',
      '  npm publish --provenance',
      '',
      `Enable it with { "use": "${created.packageName}", "config": { "baseUrl": "…" } } in life-stats.config.json`,
      `and set its secret: life-stats secrets set ${created.id} api_key --user <id>`,
      '',
    ].join('\n'),
  );
  return 0;
}
