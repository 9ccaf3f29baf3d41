/** A plain object (not `null`, not an array): the shape of a JSON object read from a file or a plugin. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
