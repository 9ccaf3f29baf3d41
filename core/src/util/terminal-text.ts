/**
 * Text for a terminal, from sources we do not control (plugin errors, user ids found in a store,
 * metric names, log fields). Control characters are shown escaped instead of being sent raw: a raw
 * ESC would let a plugin move the cursor, rewrite earlier lines, change the window title or print
 * an OSC 8 hyperlink whose text hides where it points; bidirectional overrides reorder what is
 * shown ("Trojan Source"). JSON output needs none of this: JSON escapes control characters itself.
 */

/** C0 controls but tab and line feed, DEL, C1 controls, and the Unicode marks that reorder or break lines. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The same, with tab and line feed: for text that must stay on one line (a table cell). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose.
const UNSAFE_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\t') return '\\t';
  if (ch === '\r') return '\\r';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character escaped (`\x1b`, `\u202e`); line feeds and tabs are kept
 * unless `oneLine` is set (then they are escaped too, as `\n` and `\t`).
 *
 * @example escapeControl('\x1b]8;;https://evil.example\x07click\x1b]8;;\x07') // '\\x1b]8;;https://evil.example\\x07click…'
 */
export function escapeControl(text: string, options: { oneLine?: boolean } = {}): string {
  return text.replace(options.oneLine ? UNSAFE_ONE_LINE : UNSAFE, escapeChar);
}

/**
 * A value from outside for a message: escaped for a terminal and cut to `max` characters, so an
 * id of 10,000 characters or one full of escape sequences is still a readable message.
 */
export function quoteForMessage(value: string, max = 60): string {
  const escaped = escapeControl(value, { oneLine: true });
  return `"${escaped.length > max ? `${escaped.slice(0, max)}…` : escaped}"`;
}
