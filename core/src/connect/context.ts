import type { LoadedConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { SecretStore } from '../secrets/types.js';
import type { ConnectLedger } from './ledger.js';

/** What `/start` and `/callback` run with: the container's stores and one request's tools. */
export interface ConnectContext {
  config: LoadedConfig;
  /** `connect.baseUrl`, ending in `/`. */
  baseUrl: string;
  secrets: SecretStore;
  ledger: ConnectLedger;
  /** The signing key (briefly cached per container); `undefined` when no link was ever made. */
  signingKey(): Promise<string | undefined>;
  /** Epoch ms. */
  now(): number;
  /** Scoped to the request; masks every value the redactor learnt. */
  log: Logger;
  /** Learns the link token, the code, the state, the verifier and every token before anything logs. */
  redactor: Redactor;
  /** How long the code exchange may take. */
  exchangeTimeoutMs: number;
}

/** The single-use record's keys: a link, and a consent state (by its digest). */
export const claimKey = {
  link: (linkId: string) => `link#${linkId}`,
  state: (stateDigest: string) => `state#${stateDigest}`,
};

/**
 * The cookie holding one consent's sealed state, named after the state's digest so consents in
 * parallel tabs keep their own. `__Host-`: only ever set by this origin, on `/`, over HTTPS.
 */
export function stateCookieName(stateDigest: string): string {
  return `__Host-life-stats-connect-${stateDigest.slice(0, 22)}`;
}

/** `Set-Cookie` of the sealed state; `maxAgeSeconds: 0` deletes it. */
export function stateCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Max-Age=${maxAgeSeconds}; Path=/; Secure; HttpOnly; SameSite=Lax`;
}
