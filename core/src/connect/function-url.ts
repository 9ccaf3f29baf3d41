/**
 * The Lambda function URL payload, format 2.0 (the shape API Gateway HTTP APIs share):
 * https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html#urls-payloads — only the
 * members the connect handler reads, and the response it answers with.
 */

/** A request as a function URL hands it to the function. */
export interface FunctionUrlEvent {
  version?: string;
  /** The path, not decoded: `/start`. */
  rawPath: string;
  /** The query without `?`, not decoded: `t=v1.…`. */
  rawQueryString?: string;
  /** The `Cookie` header split into `name=value` items. */
  cookies?: string[];
  /** Headers, names lower-cased; repeated ones joined with `,`. */
  headers?: Record<string, string | undefined>;
  requestContext: {
    http: { method: string; path?: string; sourceIp?: string; userAgent?: string };
    requestId?: string;
    domainName?: string;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** What the function answers; `cookies` become `Set-Cookie` headers. */
export interface FunctionUrlResult {
  statusCode: number;
  headers: Record<string, string>;
  cookies?: string[];
  body: string;
}

/** A cookie's value by name (the first, as browsers send the most specific first). */
export function cookieValue(event: FunctionUrlEvent, name: string): string | undefined {
  const items = event.cookies ?? splitCookieHeader(event.headers?.cookie);
  for (const item of items) {
    const at = item.indexOf('=');
    if (at > 0 && item.slice(0, at).trim() === name) return item.slice(at + 1).trim();
  }
  return undefined;
}

function splitCookieHeader(header: string | undefined): string[] {
  return header ? header.split(';').map((part) => part.trim()) : [];
}
