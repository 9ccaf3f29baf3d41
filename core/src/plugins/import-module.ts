import { pathToFileURL } from 'node:url';

/**
 * Import a JavaScript or TypeScript file by path. `.ts`, `.mts` and `.cts` go through tsx's
 * `tsImport`, so local plugins and `life-stats.config.ts` need no build step and no `typescript`
 * package; tsx is loaded only then, because registering its hooks costs time.
 *
 * @returns the module namespace.
 */
export async function importModule(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path).href;
  if (/\.[cm]?ts$/.test(path)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(url)) as Record<string, unknown>;
}

/**
 * The value a module exports as default, else the namespace itself. A module compiled to CommonJS
 * (a `.ts` file outside a `"type": "module"` package is one, for tsx) arrives as
 * `{ default: { __esModule: true, default: value } }`; that wrapper is removed.
 */
export function defaultExport(namespace: Record<string, unknown>): unknown {
  const value = namespace.default;
  if (value === undefined) return namespace;
  if (typeof value === 'object' && value !== null && (value as { __esModule?: unknown }).__esModule === true) {
    return (value as { default?: unknown }).default;
  }
  return value;
}
