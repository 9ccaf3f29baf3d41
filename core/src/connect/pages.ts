import { createHash } from 'node:crypto';
import type { FunctionUrlResult } from './function-url.js';

/**
 * The connect function's answers: small HTML pages and the redirect to the provider, every one with
 * headers that keep the page out of caches, referrers, frames and sniffers, and a CSP that allows no
 * script, no request and only this file's own style (by its hash).
 */

const STYLE =
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:3rem 1.5rem;color:#1b1b1b;background:#fafafa}' +
  'main{max-width:32rem;margin:auto}h1{font-size:1.4rem;margin:0 0 .75rem}p{margin:0 0 .75rem}' +
  '@media (prefers-color-scheme:dark){body{color:#eee;background:#161616}}';
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/** On every answer. */
const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'content-security-policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'x-robots-tag': 'noindex, nofollow',
  'strict-transport-security': 'max-age=31536000',
});

/** Text as HTML: every character that could open markup or an attribute, escaped. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What a page says: a title and a few plain sentences (escaped when rendered). */
export interface PageText {
  title: string;
  lines: string[];
}

/** A page answer. */
export function page(statusCode: number, text: PageText, cookies: string[] = []): FunctionUrlResult {
  const body =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${escapeHtml(text.title)}</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${escapeHtml(text.title)}</h1>${text.lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('')}</main></body></html>`;
  return {
    statusCode,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' },
    ...(cookies.length > 0 ? { cookies } : {}),
    body,
  };
}

/** A 302 to `location` (the provider's consent page), setting `cookies`. */
export function redirect(location: string, cookies: string[]): FunctionUrlResult {
  return {
    statusCode: 302,
    headers: { ...SECURITY_HEADERS, location, 'content-type': 'text/html; charset=utf-8' },
    cookies,
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Continue</title></head><body><p><a href="${escapeHtml(location)}">Continue</a></p></body></html>`,
  };
}
