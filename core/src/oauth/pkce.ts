import { nodeCrypto } from '../util/node-crypto.js';
import { loadOAuthLibrary } from './library.js';

/** The secrets one consent keeps until the browser comes back. */
export interface ConsentSecrets {
  /** Binds the answer to this request (RFC 6749 §10.12): compared in constant time. */
  state: string;
  /** The PKCE verifier (RFC 7636), sent with the code; `undefined` when the provider takes no PKCE. */
  codeVerifier: string | undefined;
  /** `BASE64URL(SHA256(verifier))`, sent with the consent (`code_challenge_method=S256`). */
  codeChallenge: string | undefined;
}

/** A fresh `state` and, with `pkce`, a verifier and its S256 challenge (32 random bytes each). */
export async function createConsentSecrets(pkce: boolean): Promise<ConsentSecrets> {
  const lib = await loadOAuthLibrary();
  const state = lib.generateRandomState();
  if (!pkce) return { state, codeVerifier: undefined, codeChallenge: undefined };
  const codeVerifier = lib.generateRandomCodeVerifier();
  return { state, codeVerifier, codeChallenge: await lib.calculatePKCECodeChallenge(codeVerifier) };
}

/** Equal texts, compared in constant time (a `state`, a signed token). */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && nodeCrypto().timingSafeEqual(x, y);
}
