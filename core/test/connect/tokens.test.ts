import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLinkToken, verifyLinkToken } from '../../src/connect/link-token.js';
import { type ConsentState, openState, sealState } from '../../src/connect/sealed-state.js';

/**
 * The two values a connect link rests on: the signed link token (HMAC-SHA256 under the signing key)
 * and the sealed consent state (AES-256-GCM under a key derived from it). Each refuses every
 * alteration, another key, and — for the token — its expiry.
 */
const KEY = randomBytes(32).toString('base64url');
const OTHER_KEY = randomBytes(32).toString('base64url');
const NOW = Date.parse('2026-11-24T10:00:00Z');
const WEEK = 7 * 86_400_000;

/** `text` with the character at `at` replaced by another base64url character. */
function flip(text: string, at: number): string {
  const c = text[at] === 'A' ? 'B' : 'A';
  return `${text.slice(0, at)}${c}${text.slice(at + 1)}`;
}

describe('link tokens', () => {
  const token = createLinkToken(KEY, { plugin: 'google-health', user: 'alice@example.com', expiresAt: NOW + WEEK });

  it('name the plugin, the user, the expiry and a random link id, and verify under their key', () => {
    const verified = verifyLinkToken(KEY, token, NOW);
    expect(verified).toEqual({
      ok: true,
      claims: {
        plugin: 'google-health',
        user: 'alice@example.com',
        expiresAt: NOW + WEEK,
        linkId: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      },
    });
    const again = createLinkToken(KEY, { plugin: 'google-health', user: 'alice@example.com', expiresAt: NOW + WEEK });
    expect(again).not.toBe(token);
    expect(token).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a token signed with another key (a rotated one)', () => {
    expect(verifyLinkToken(OTHER_KEY, token, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses every single-character change of the payload or the signature', () => {
    const [, payload = '', signature = ''] = token.split('.');
    for (let at = 0; at < payload.length; at++) {
      const changed = `v1.${flip(payload, at)}.${signature}`;
      expect(verifyLinkToken(KEY, changed, NOW).ok, `payload[${at}]`).toBe(false);
    }
    for (let at = 0; at < signature.length; at++) {
      const changed = `v1.${payload}.${flip(signature, at)}`;
      expect(verifyLinkToken(KEY, changed, NOW).ok, `signature[${at}]`).toBe(false);
    }
  });

  it('refuses a payload naming someone else, even with a signature that was valid for the original', () => {
    const [, payload = '', signature = ''] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...claims, u: 'mallory' })).toString('base64url');
    expect(verifyLinkToken(KEY, `v1.${forged}.${signature}`, NOW)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('expires at its time, and says so only for a genuine token', () => {
    expect(verifyLinkToken(KEY, token, NOW + WEEK - 1000).ok).toBe(true);
    expect(verifyLinkToken(KEY, token, NOW + WEEK)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyLinkToken(OTHER_KEY, token, NOW + WEEK)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('refuses malformed tokens before any signature work', () => {
    const body = (claims: unknown) => `v1.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.AAAA`;
    const good = { p: 'acme', u: 'ann', e: 2_000_000_000, n: 'abcdefghijklmnopqrstuv' };
    for (const bad of [
      '',
      'v1',
      'v1..',
      'v2.e30.AAAA',
      `${token}.extra`,
      `v1.${'A'.repeat(2000)}.AAAA`,
      'v1.not base64!.AAAA',
      body({ ...good, p: 'Bad Plugin' }),
      body({ ...good, u: '../etc' }),
      body({ ...good, u: 'a'.repeat(129) }),
      body({ ...good, e: '2000000000' }),
      body({ ...good, n: 'short' }),
      body([1, 2]),
    ]) {
      expect(verifyLinkToken(KEY, bad, NOW), bad.slice(0, 40)).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});

describe('sealed consent states', () => {
  const state: ConsentState = {
    plugin: 'oura',
    user: 'bob',
    linkId: 'abcdefghijklmnopqrstuv',
    linkExpiresAt: NOW + WEEK,
    state: randomBytes(32).toString('base64url'),
    codeVerifier: randomBytes(32).toString('base64url'),
    expiresAt: NOW + 15 * 60_000,
  };

  it('open under the same key to exactly what was sealed, and hide the verifier', () => {
    const sealed = sealState(KEY, state);
    expect(openState(KEY, sealed)).toEqual(state);
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain(state.codeVerifier);
    expect(sealed).not.toContain(state.state);
    expect(openState(KEY, sealState(KEY, { ...state, codeVerifier: undefined }))).toEqual({
      ...state,
      codeVerifier: undefined,
    });
    // A fresh IV each time: two seals of one state differ.
    expect(sealState(KEY, state)).not.toBe(sealed);
  });

  it('do not open under another key, nor after any change', () => {
    const sealed = sealState(KEY, state);
    expect(openState(OTHER_KEY, sealed)).toBeUndefined();
    for (let at = 0; at < sealed.length; at++) {
      expect(openState(KEY, flip(sealed, at)), `at ${at}`).toBeUndefined();
    }
    for (const bad of ['', 'AAAA', 'not base64!', 'A'.repeat(5000), sealed.slice(0, -4)]) {
      expect(openState(KEY, bad)).toBeUndefined();
    }
  });
});
