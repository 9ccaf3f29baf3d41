/**
 * A small browser for tests that drive web flows through real HTTP: it navigates (GET), follows
 * redirects, and keeps cookies the way browsers do (RFC 6265bis): per host and path, `Max-Age` and
 * `Expires`, `Secure` (sent over HTTPS, and to loopback as browsers treat it as secure), the
 * `__Host-` prefix rules (refused unless `Secure`, `Path=/` and no `Domain`), `SameSite` on a
 * redirect chain from another site (`Strict` withheld, `Lax` and `None` sent on top-level GETs), and
 * the `Referer` a navigation sends under the previous answer's `Referrer-Policy`.
 *
 * `hosts` stands in for DNS: a request for `https://accounts.google.com/…` goes to the fake's
 * origin, while cookies and the address bar keep the real one.
 */

/** One answer the browser received. */
export interface BrowserResponse {
  /** The address as the browser saw it (before `hosts` mapping). */
  url: string;
  status: number;
  headers: Headers;
  body: string;
  /** The `Referer` the request was sent with, if any. */
  referer: string | undefined;
  /** The `Cookie` header the request carried, if any. */
  cookie: string | undefined;
}

interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  secure: boolean;
  sameSite: 'strict' | 'lax' | 'none';
  expires: number | undefined;
}

export interface CookieBrowserOptions {
  /** Origin → origin to send its requests to instead (`{ 'https://accounts.google.com': fake.url }`). */
  hosts?: Record<string, string>;
  /** The clock cookies expire on, epoch ms. @default Date.now */
  now?: () => number;
  /** Redirects followed at most. @default 10 */
  maxRedirects?: number;
  /** Called before each request (a test moves a clock between two steps of a flow). */
  onRequest?: (url: URL) => void | Promise<void>;
}

export interface CookieBrowser {
  /**
   * Type `url` in the address bar: follow redirects (unless `follow: false`); the last answer.
   * `headers` are sent with the first request only.
   */
  open(url: string, options?: { follow?: boolean; headers?: Record<string, string> }): Promise<BrowserResponse>;
  /** Every answer received, redirects included, in order. */
  readonly history: BrowserResponse[];
  /** The cookies it would send to `url`. */
  cookiesFor(url: string): { name: string; value: string }[];
  /** Every cookie it holds. */
  allCookies(): { name: string; value: string; host: string }[];
  /** Forget every cookie (another browser, or a private window). */
  clearCookies(): void;
}

const LOOPBACK = /^(127\.0\.0\.1|localhost|\[::1\])$/;

function site(url: URL): string {
  // Enough for tests: the registrable domain is the host's last two labels (or the IP).
  return /^[\d.]+$|^\[/.test(url.hostname) ? url.hostname : url.hostname.split('.').slice(-2).join('.');
}

function defaultPath(url: URL): string {
  const at = url.pathname.lastIndexOf('/');
  return at <= 0 ? '/' : url.pathname.slice(0, at);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** Start a browser with an empty cookie jar. */
export function createCookieBrowser(options: CookieBrowserOptions = {}): CookieBrowser {
  const now = options.now ?? Date.now;
  const jar: StoredCookie[] = [];
  const history: BrowserResponse[] = [];

  const store = (url: URL, header: string): void => {
    const [pair = '', ...attributes] = header.split(';');
    const at = pair.indexOf('=');
    if (at <= 0) return;
    const cookie: StoredCookie = {
      name: pair.slice(0, at).trim(),
      value: pair.slice(at + 1).trim(),
      host: url.hostname,
      path: defaultPath(url),
      secure: false,
      sameSite: 'lax',
      expires: undefined,
    };
    let domain = false;
    for (const attribute of attributes) {
      const [rawName = '', ...rest] = attribute.split('=');
      const name = rawName.trim().toLowerCase();
      const value = rest.join('=').trim();
      if (name === 'max-age') cookie.expires = now() + Number(value) * 1000;
      else if (name === 'expires' && cookie.expires === undefined) cookie.expires = Date.parse(value);
      else if (name === 'path' && value.startsWith('/')) cookie.path = value;
      else if (name === 'secure') cookie.secure = true;
      else if (name === 'domain') domain = true;
      else if (name === 'samesite') cookie.sameSite = (value.toLowerCase() as StoredCookie['sameSite']) || 'lax';
    }
    const secureOrigin = url.protocol === 'https:' || LOOPBACK.test(url.hostname);
    if (cookie.secure && !secureOrigin) return;
    if (cookie.name.startsWith('__Host-') && (!cookie.secure || cookie.path !== '/' || domain)) return;
    if (cookie.name.startsWith('__Secure-') && !cookie.secure) return;
    const same = jar.findIndex((c) => c.name === cookie.name && c.host === cookie.host && c.path === cookie.path);
    if (same !== -1) jar.splice(same, 1);
    if (cookie.expires === undefined || cookie.expires > now()) jar.push(cookie);
  };

  const cookiesFor = (url: URL, initiator: URL | undefined) => {
    const crossSite = initiator !== undefined && site(initiator) !== site(url);
    const secureOrigin = url.protocol === 'https:' || LOOPBACK.test(url.hostname);
    return jar
      .filter((c) => c.expires === undefined || c.expires > now())
      .filter((c) => c.host === url.hostname && pathMatches(url.pathname, c.path))
      .filter((c) => !c.secure || secureOrigin)
      .filter((c) => !(crossSite && c.sameSite === 'strict'))
      .sort((a, b) => b.path.length - a.path.length);
  };

  const refererFor = (previous: BrowserResponse | undefined, next: URL): string | undefined => {
    if (!previous) return undefined;
    const policy = previous.headers.get('referrer-policy')?.split(',').pop()?.trim() ?? '';
    const from = new URL(previous.url);
    if (policy === 'no-referrer') return undefined;
    if (policy === 'unsafe-url') return from.href;
    // strict-origin-when-cross-origin, browsers' default.
    if (from.protocol === 'https:' && next.protocol !== 'https:') return undefined;
    return from.origin === next.origin ? `${from.origin}${from.pathname}${from.search}` : `${from.origin}/`;
  };

  async function open(
    address: string,
    how: { follow?: boolean; headers?: Record<string, string> } = {},
  ): Promise<BrowserResponse> {
    let url = new URL(address);
    let previous: BrowserResponse | undefined;
    for (let hop = 0; hop <= (options.maxRedirects ?? 10); hop++) {
      await options.onRequest?.(url);
      const cookies = cookiesFor(url, previous ? new URL(previous.url) : undefined);
      const cookie = cookies.length > 0 ? cookies.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
      const referer = refererFor(previous, url);
      const mapped = options.hosts?.[url.origin];
      const target = mapped ? new URL(`${url.pathname}${url.search}`, mapped) : url;
      const headers: Record<string, string> = {
        accept: 'text/html',
        'user-agent': 'life-stats-test-browser',
        ...(hop === 0 ? how.headers : {}),
      };
      if (cookie) headers.cookie = cookie;
      if (referer) headers.referer = referer;
      const response = await fetch(target, { redirect: 'manual', headers });
      for (const header of response.headers.getSetCookie()) store(url, header);
      const answer: BrowserResponse = {
        url: url.href,
        status: response.status,
        headers: response.headers,
        body: await response.text(),
        referer,
        cookie,
      };
      history.push(answer);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location || how.follow === false) return answer;
      previous = answer;
      url = new URL(location, url);
    }
    throw new Error(`cookie browser: more than ${options.maxRedirects ?? 10} redirects from ${address}`);
  }

  return {
    open,
    history,
    cookiesFor: (url) => cookiesFor(new URL(url), undefined).map(({ name, value }) => ({ name, value })),
    allCookies: () => jar.map(({ name, value, host }) => ({ name, value, host })),
    clearCookies: () => {
      jar.length = 0;
    },
  };
}
