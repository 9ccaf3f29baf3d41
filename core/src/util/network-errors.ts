/**
 * The one list of errors that mean "the request never got an answer": system and undici codes of a
 * connection that was refused, reset, timed out or could not be resolved. The run engine retries a
 * fetch that failed this way; the AWS adapters say "cannot reach <service>" for it.
 */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EPIPE',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** How deep a chain of `cause`s is followed: wrappers rarely nest more, and a cycle must end. */
const MAX_CAUSE_DEPTH = 5;

/** The error and the `cause`s it wraps, outermost first (objects only). */
export function* causeChain(error: unknown): Generator<Record<string, unknown>> {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    yield current as Record<string, unknown>;
    current = (current as { cause?: unknown }).cause;
  }
}

/** The network error code of `error` or of an error it wraps, if it is one of {@link NETWORK_ERROR_CODES}. */
export function networkErrorCode(error: unknown): string | undefined {
  for (const e of causeChain(error)) {
    if (typeof e.code === 'string' && NETWORK_ERROR_CODES.has(e.code)) return e.code;
  }
  return undefined;
}
