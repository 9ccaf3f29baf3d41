import { describe, expect, it } from 'vitest';
import { createSinkLogger, type LogRecord } from '../../src/log/logger.js';
import { createRedactingLogger, createRedactor } from '../../src/log/redact.js';

describe('createRedactor', () => {
  it('masks every occurrence, overlapping secrets as one span', () => {
    const r = createRedactor();
    r.add('abcdef');
    r.add('zzabc');
    expect(r.redact('zzabcdef!')).toBe('[redacted]!');
    expect(r.redact('x abcdef y abcdef')).toBe('x [redacted] y [redacted]');
    expect(r.redact('abcdefabcdef')).toBe('[redacted]');
    expect(r.redact('nothing here')).toBe('nothing here');
  });

  it('masks a secret with " and \\ in its JSON-escaped, URL-encoded and base64 forms', () => {
    const r = createRedactor();
    const secret = 'to"k\\en+/ x';
    r.add(secret);
    for (const text of [
      JSON.stringify({ a: secret }),
      JSON.stringify(JSON.stringify({ a: secret })),
      `https://x.example/?t=${encodeURIComponent(secret)}`,
      new URLSearchParams({ t: secret }).toString(),
      Buffer.from(secret).toString('base64'),
      Buffer.from(secret).toString('base64url'),
    ]) {
      expect(r.redact(text)).toContain('[redacted]');
      expect(r.redact(text)).not.toContain('en+/');
    }
  });

  it('renders values that are not strings, and copies circular values safely', () => {
    const r = createRedactor();
    r.add('abcdef');
    expect(r.redact(['Bearer abcdef'] as never)).toBe('["Bearer [redacted]"]');
    const circular: Record<string, unknown> = { a: 'abcdef', n: 5n };
    circular.self = circular;
    expect(r.redactValue(circular)).toEqual({ a: '[redacted]', n: '5n', self: '[Circular]' });
  });
});

describe('createRedactingLogger', () => {
  it('takes any message a plugin passes and never throws, even when its sink does', () => {
    const records: LogRecord[] = [];
    const r = createRedactor();
    r.add('secret-token');
    const log = createRedactingLogger(
      createSinkLogger((record) => records.push(record)),
      r,
    ) as unknown as Record<'info' | 'warn', (m: unknown, f?: unknown) => void>;
    log.warn(['Bearer secret-token']);
    log.warn(new Error('failed with secret-token'));
    log.info({ token: 'secret-token' }, 'not an object');
    expect(records.map((x) => x.message)).toEqual([
      '["Bearer [redacted]"]',
      'failed with [redacted]',
      '{"token":"[redacted]"}',
    ]);
    expect(records[2]?.fields).toEqual({ fields: 'not an object' });
    const failing = createRedactingLogger(
      createSinkLogger(() => {
        throw new Error('stream closed');
      }),
      r,
    );
    expect(() => failing.error('x')).not.toThrow();
  });
});
