import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadChartAssets } from '../../report/assets.js';
import { buildReport } from '../../report/build-report.js';
import { renderReportHtml } from '../../report/render-html.js';
import {
  type CommandContext,
  checkUserFlag,
  type GlobalOptions,
  loadCliConfig,
  parseDateRange,
  withStores,
} from '../context.js';

interface ReportFlags extends GlobalOptions {
  out: string;
  from?: string;
  to?: string;
  user?: string;
  metric?: string;
  open?: boolean;
}

/** `report`: one offline HTML file with a chart per user × metric. Prints the file's path on stdout. */
export async function executeReport(ctx: CommandContext, flags: ReportFlags): Promise<number> {
  const range = parseDateRange(flags.from, flags.to);
  checkUserFlag(flags.user);
  const config = await loadCliConfig(ctx.io, flags);
  const data = await withStores(config, ({ storage }) =>
    buildReport({
      storage,
      config,
      query: {
        ...(flags.user ? { userId: flags.user } : {}),
        ...(flags.metric ? { metricType: flags.metric } : {}),
        ...range,
      },
    }),
  );
  const file = path.resolve(ctx.io.cwd, flags.out);
  await mkdir(path.dirname(file), { recursive: true });
  // Health data: a new report file is the owner's only (an existing one keeps its mode).
  await writeFile(file, renderReportHtml(data, await loadChartAssets()), { encoding: 'utf8', mode: 0o600 });
  if (data.charts.length === 0) ctx.logger.warn('no stored values match: the report has no charts');
  ctx.io.stdout.write(`${file}\n`);
  if (flags.open) openInBrowser(file, ctx);
  return 0;
}

/** Hand the file to the desktop's opener; a failure is a warning, the report is written either way. */
function openInBrowser(file: string, ctx: CommandContext): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [file]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', file]]
        : ['xdg-open', [file]];
  try {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.on('error', (error) => ctx.logger.warn(`could not open the report with ${command}: ${error.message}`));
    child.unref();
  } catch (error) {
    ctx.logger.warn(`could not open the report with ${command}: ${(error as Error).message}`);
  }
}
