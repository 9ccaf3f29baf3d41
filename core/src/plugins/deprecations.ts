import type { PluginEntry } from '../config/types.js';
import { escapeControl } from '../util/terminal-text.js';

/**
 * One warning per enabled entry whose plugin declares `deprecated`, naming the entry by its path in
 * the config file: `plugins[2] (google-fit-steps): <the plugin's message>`. Disabled entries are
 * not loaded and say nothing; the wording of the change is the plugin's, core names no provider.
 */
function deprecationWarnings(entries: readonly PluginEntry[]): string[] {
  const warnings: string[] = [];
  for (const entry of entries) {
    const deprecated = entry.enabled ? entry.loaded?.plugin.deprecated : undefined;
    if (!deprecated) continue;
    const id = entry.loaded?.plugin.id ?? entry.use;
    warnings.push(`plugins[${entry.index}] (${id}): ${deprecated.message.replace(/\s+/g, ' ').trim()}`);
  }
  return warnings;
}

/** Write {@link deprecationWarnings} to `stream`, one `warning:` line each. */
export function writeDeprecationWarnings(
  entries: readonly PluginEntry[],
  stream: { write(chunk: string): unknown },
): void {
  // The message is the plugin's: shown with its control characters escaped.
  for (const line of deprecationWarnings(entries)) stream.write(`warning: ${escapeControl(line, { oneLine: true })}\n`);
}
