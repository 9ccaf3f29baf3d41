import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { LifeStatsError } from '../errors.js';

/** The charting library's browser build and stylesheet, to inline into the report. */
export interface ChartAssets {
  script: string;
  css: string;
}

/**
 * Read uPlot's IIFE build and CSS from the installed `uplot` package.
 * Inlined rather than linked, so the report opens offline and can be mailed as one file.
 */
export async function loadChartAssets(): Promise<ChartAssets> {
  const require = createRequire(import.meta.url);
  try {
    const [script, css] = await Promise.all([
      readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
      readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    ]);
    return { script, css };
  } catch (cause) {
    throw new LifeStatsError(
      'E_DEPENDENCY_MISSING',
      '[life-stats] [report] could not read the charting library (package `uplot`)',
      {
        hint: 'Reinstall @life-stats/core so its dependency `uplot` is present.',
        cause,
      },
    );
  }
}
