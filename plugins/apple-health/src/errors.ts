import { LifeStatsError } from '@life-stats/core/plugin';

/** The plugin's id, as it prefixes every message. */
export const PLUGIN_ID = 'apple-health';

const DEFAULT_HINT =
  'Export the data again on the iPhone (Health → your picture → Export All Health Data) and point `file` at the new export.zip.';

/**
 * The export cannot be used: missing, not an export, cut short, or holding a record the plugin
 * cannot read. The pair fails (nothing of the file is stored); other entries go on.
 */
export class AppleHealthExportError extends LifeStatsError {
  /** The export's absolute path. */
  readonly file: string;

  constructor(file: string, problem: string, options: { hint?: string; cause?: unknown } = {}) {
    super('E_PLUGIN_FAILED', `[life-stats] [plugin:${PLUGIN_ID}] ${file}: ${problem}`, {
      hint: options.hint ?? DEFAULT_HINT,
      cause: options.cause,
    });
    this.name = 'AppleHealthExportError';
    this.file = file;
  }
}

/**
 * A record the plugin cannot read (a bad date, value or unit). Raised deep in the parse, where the
 * file is not known; the reader adds the file and the line.
 */
export class RecordProblem extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string) {
    super(message);
    this.name = 'RecordProblem';
    this.hint = hint;
  }
}
