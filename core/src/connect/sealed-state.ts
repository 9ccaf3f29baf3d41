import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * What `/start` hands the browser to keep until `/callback` (in an `HttpOnly` cookie), sealed:
 * AES-256-GCM under a key derived (HKDF-SHA256) from the signing key, so the browser can neither
 * read the PKCE verifier nor change a field, and a fresh Lambda instance can open it — nothing of a
 * consent in flight lives only in one instance's memory. Rotating the signing key voids every sealed
 * state at once.
 *
 * Format: `base64url(iv[12] ‖ ciphertext ‖ tag[16])`, with the version as associated data.
 */

/** A consent in flight. */
export interface ConsentState {
  /** The plugin and user of the link that started it. */
  plugin: string;
  user: string;
  /** The link's id (its single-use record) and expiry (epoch ms). */
  linkId: string;
  linkExpiresAt: number;
  /** The `state` sent to the provider: the callback must carry exactly it. */
  state: string;
  /** The PKCE verifier, where the provider takes PKCE. */
  codeVerifier: string | undefined;
  /** Epoch ms after which the callback is refused. */
  expiresAt: number;
}

const AAD = Buffer.from('life-stats connect state v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Sealed values longer than this are refused unopened. */
const MAX_SEALED_LENGTH = 4096;

/** The sealing key of a signing key: derived, so the HMAC key is never used for encryption too. */
function sealingKey(signingKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(signingKey, 'utf8'), 'life-stats/connect', 'state-seal v1', 32));
}

/** Seal a consent state for the browser to carry. */
export function sealState(signingKey: string, state: ConsentState): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(signingKey), iv);
  cipher.setAAD(AAD);
  const payload = JSON.stringify({
    p: state.plugin,
    u: state.user,
    l: state.linkId,
    le: state.linkExpiresAt,
    s: state.state,
    v: state.codeVerifier,
    e: state.expiresAt,
  });
  const sealed = Buffer.concat([iv, cipher.update(payload, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return sealed.toString('base64url');
}

/** Open a sealed state; `undefined` when it was altered, sealed under another key, or is not one. */
export function openState(signingKey: string, sealed: string): ConsentState | undefined {
  if (typeof sealed !== 'string' || sealed.length > MAX_SEALED_LENGTH || !/^[A-Za-z0-9_-]+$/.test(sealed)) {
    return undefined;
  }
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.toString('base64url') !== sealed) return undefined;
  if (bytes.length <= IV_BYTES + TAG_BYTES) return undefined;
  const iv = bytes.subarray(0, IV_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const body = bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES);
  let text: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(signingKey), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    text = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
  const fields = JSON.parse(text) as Record<string, unknown>;
  const { p, u, l, le, s, v, e } = fields;
  if (typeof p !== 'string' || typeof u !== 'string' || typeof l !== 'string' || typeof s !== 'string')
    return undefined;
  if (typeof le !== 'number' || typeof e !== 'number' || (v !== undefined && typeof v !== 'string')) return undefined;
  return { plugin: p, user: u, linkId: l, linkExpiresAt: le, state: s, codeVerifier: v, expiresAt: e };
}
