import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isValidUserId } from '../config/user-id.js';

/**
 * The token of a connect link (`<baseUrl>start?t=<token>`): which plugin, which user, until when,
 * and a random link id that makes the link single-use — signed with HMAC-SHA256 under the
 * deployment's signing key (`connect/signing_key`), so nobody without the key can make or alter one.
 *
 * Format: `v1.<base64url(JSON payload)>.<base64url(HMAC-SHA256(key, "v1.<payload>"))>`. The payload
 * is readable by whoever holds the link (it names the user, which the link's recipient knows); what
 * makes the link a credential is the signature, checked in constant time.
 */

const VERSION = 'v1';
/** Longer tokens are refused before any work: a real one is about 200 characters. */
const MAX_TOKEN_LENGTH = 1024;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const PLUGIN_ID = /^[a-z][a-z0-9-]*$/;

/** What a link token says. */
export interface LinkClaims {
  /** The plugin id whose consent the link starts. */
  plugin: string;
  user: string;
  /** Epoch milliseconds after which the link is refused (stored in whole seconds). */
  expiresAt: number;
  /** Random, 128 bits: the link's identity in the single-use record. */
  linkId: string;
}

/** Why a token was refused. Only the log says which; the page says as little as it can. */
export type LinkRefusal = 'malformed' | 'bad-signature' | 'expired';

/** Sign a new link for `plugin` and `user`, valid until `expiresAt` (epoch ms). */
export function createLinkToken(key: string, claims: Omit<LinkClaims, 'linkId'> & { linkId?: string }): string {
  const payload = {
    p: claims.plugin,
    u: claims.user,
    e: Math.floor(claims.expiresAt / 1000),
    n: claims.linkId ?? randomBytes(16).toString('base64url'),
  };
  const body = `${VERSION}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${mac(key, body).toString('base64url')}`;
}

/**
 * Check a token: its shape, then its signature (constant time), then its expiry — in that order, so
 * an unsigned token learns nothing about expiry, and only a genuine link is told it expired.
 */
export function verifyLinkToken(
  key: string,
  token: string,
  now: number,
): { ok: true; claims: LinkClaims } | { ok: false; reason: LinkRefusal } {
  const parsed = parseLinkToken(token);
  if (!parsed) return { ok: false, reason: 'malformed' };
  const expected = mac(key, parsed.body);
  const given = Buffer.from(parsed.signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad-signature' };
  }
  if (parsed.claims.expiresAt <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: parsed.claims };
}

/** The parts of a well-formed token, signature unchecked; `undefined` for anything else. */
function parseLinkToken(token: string): { body: string; signature: string; claims: LinkClaims } | undefined {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
  const [version, payload, signature, ...rest] = token.split('.');
  if (version !== VERSION || !payload || !signature || rest.length > 0) return undefined;
  // Canonical base64url only: one token string per signed payload (no spare bits to play with).
  if (!canonical(payload) || !canonical(signature)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof decoded !== 'object' || decoded === null) return undefined;
  const { p, u, e, n } = decoded as Record<string, unknown>;
  if (typeof p !== 'string' || !PLUGIN_ID.test(p) || !isValidUserId(u)) return undefined;
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || typeof n !== 'string' || !BASE64URL.test(n))
    return undefined;
  if (n.length < 16 || n.length > 64) return undefined;
  return { body: `${version}.${payload}`, signature, claims: { plugin: p, user: u, expiresAt: e * 1000, linkId: n } };
}

function canonical(text: string): boolean {
  return BASE64URL.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
}

function mac(key: string, body: string): Buffer {
  return createHmac('sha256', Buffer.from(key, 'utf8')).update(body).digest();
}
