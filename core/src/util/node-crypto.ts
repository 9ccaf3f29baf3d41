/**
 * `node:crypto`, loaded on first use: the PKCE and token-cache helpers and the file secret store's
 * temp names are imported on every `life-stats run` but use it only for OAuth and writes, and
 * loading it costs ~3 ms (docs/performance.md, issue 18).
 */
export function nodeCrypto(): typeof import('node:crypto') {
  return process.getBuiltinModule('node:crypto');
}
