import { DailyAggregator, type DailySummary } from './daily-aggregator.js';
import { AppleHealthExportError } from './errors.js';
import { FileProblem, openExport } from './open-export.js';
import { parseExportXml, XmlProblem } from './parse-xml.js';

/** How one parse went, for the log. */
export interface ParseReport {
  format: 'xml' | 'zip';
  entry?: string;
  chars: number;
  elements: number;
  ms: number;
}

/**
 * Parse an export once into the per-day figures of every data type, or fail with an
 * {@link AppleHealthExportError} that names the file and what is wrong with it.
 */
export async function readExport(
  path: string,
  options: { timeZone: string; sources: readonly string[]; signal: AbortSignal },
): Promise<{ summary: DailySummary; report: ParseReport }> {
  const started = performance.now();
  const aggregator = new DailyAggregator(options.timeZone, options.sources);
  let opened: Awaited<ReturnType<typeof openExport>> | undefined;
  try {
    opened = await openExport(path);
    const stats = await parseExportXml(opened.text, aggregator, options.signal);
    const summary = aggregator.finish();
    return {
      summary,
      report: {
        format: opened.format,
        ...(opened.entry ? { entry: opened.entry } : {}),
        ...stats,
        ms: Math.round(performance.now() - started),
      },
    };
  } catch (error) {
    if (options.signal.aborted) throw options.signal.reason;
    throw explainFailure(path, error, opened?.entry);
  } finally {
    opened?.close();
  }
}

export function explainFailure(path: string, error: unknown, entry: string | undefined): unknown {
  const inside = entry ? ` (its ${entry})` : '';
  if (error instanceof FileProblem)
    return new AppleHealthExportError(path, error.message, { cause: error, ...hint(error.hint) });
  if (error instanceof XmlProblem) {
    const record = error.kind === 'record';
    return new AppleHealthExportError(
      path,
      `${record && entry ? `${entry} ` : ''}${error.message}${record ? '' : inside}`,
      {
        cause: error,
        ...hint(error.hint),
      },
    );
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ENOENT') {
    return new AppleHealthExportError(path, 'file not found', {
      hint: "Check `file` in the entry's config (a relative path starts at the config file's folder).",
      cause: error,
    });
  }
  if (code === 'EACCES' || code === 'EISDIR') {
    return new AppleHealthExportError(path, `cannot be read (${code})`, {
      hint: 'Point `file` at the export.zip or export.xml itself, readable by this user.',
      cause: error,
    });
  }
  if (entry && error instanceof Error) {
    // The inflater or the zip reader failed in the middle of the entry: a damaged or cut archive.
    return new AppleHealthExportError(path, `its ${entry} cannot be unpacked: ${error.message}`, { cause: error });
  }
  return error;
}

function hint(text: string | undefined): { hint?: string } {
  return text ? { hint: text } : {};
}
