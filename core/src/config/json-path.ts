/**
 * JSON paths as users read them in messages: `plugins[2].config.baseUrl`, `users[0].id`,
 * `plugins[1].config["api-key"]`.
 */

const IDENTIFIER_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** One step of a path: an array index or an object key. */
export type PathSegment = string | number;

/** Append one segment to a path: `plugins` + 2 → `plugins[2]`, `storage` + `path` → `storage.path`. */
export function appendPath(base: string, segment: PathSegment): string {
  if (typeof segment === 'number') return `${base}[${segment}]`;
  if (IDENTIFIER_RE.test(segment)) return base === '' ? segment : `${base}.${segment}`;
  return `${base}[${JSON.stringify(segment)}]`;
}

/** Join segments into a path. */
function formatPath(segments: readonly PathSegment[], base = ''): string {
  return segments.reduce<string>((path, segment) => appendPath(path, segment), base);
}

/** Split a JSON Pointer (`/plugins/2/config/baseUrl`, RFC 6901) into its unescaped segments. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * A JSON Pointer as a readable path. `data` (the document the pointer points into) tells array
 * indexes from object keys that look like numbers; without it, every all-digit segment is an index.
 */
export function pointerToPath(pointer: string, data?: unknown, base = ''): string {
  const segments: PathSegment[] = [];
  let node: unknown = data;
  for (const part of parsePointer(pointer)) {
    const isIndex = /^(0|[1-9][0-9]*)$/.test(part) && (data === undefined || Array.isArray(node));
    segments.push(isIndex ? Number(part) : part);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[part] : undefined;
  }
  return formatPath(segments, base);
}
