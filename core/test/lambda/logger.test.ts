import { type CapturedStdout, captureStdout, countStderrReads } from '@life-stats/testing/capture-stdout';
import { afterEach, describe, expect, it } from 'vitest';
import { adaptPowertoolsLogger, createPowertoolsLogger } from '../../src/lambda/logger.js';
import { createRedactingLogger, createRedactor } from '../../src/log/redact.js';

let stdout: CapturedStdout | undefined;

afterEach(() => {
  stdout?.restore();
  stdout = undefined;
});

describe('the Lambda logger', () => {
  it('prints one JSON object per line on stdout, warnings and errors included', () => {
    stdout = captureStdout();
    const logger = adaptPowertoolsLogger(createPowertoolsLogger());
    logger.info('first');
    logger.warn('second');
    logger.error('third');
    const lines = stdout.json();
    expect(lines.map((l) => [l.level, l.message, l.service])).toEqual([
      ['INFO', 'first', 'life-stats'],
      ['WARN', 'second', 'life-stats'],
      ['ERROR', 'third', 'life-stats'],
    ]);
  });

  it('puts the fields of child loggers and of each call as keys of the line', () => {
    stdout = captureStdout();
    const logger = adaptPowertoolsLogger(createPowertoolsLogger());
    const pair = logger.child({ plugin: 'google-fit-steps', user: 'me' }).child({ metric: 'steps' });
    pair.info('ok: 8 items', { items: 8 });
    logger.info('outside');
    const [inPair, outside] = stdout.json();
    expect(inPair).toMatchObject({
      message: 'ok: 8 items',
      plugin: 'google-fit-steps',
      user: 'me',
      metric: 'steps',
      items: 8,
    });
    expect(outside).not.toHaveProperty('plugin');
  });

  it('masks secrets through the run redactor', () => {
    stdout = captureStdout();
    const redactor = createRedactor();
    redactor.add('refresh-token-value');
    const logger = createRedactingLogger(adaptPowertoolsLogger(createPowertoolsLogger()), redactor);
    logger.child({ plugin: 'p' }).error('token refresh-token-value was refused', { body: 'refresh-token-value' });
    expect(stdout.text()).not.toContain('refresh-token-value');
    expect(stdout.json()[0]).toMatchObject({ message: 'token [redacted] was refused', body: '[redacted]' });
  });

  it('makes no Console and no stderr stream of its own: lines go to process.stdout as they are', () => {
    stdout = captureStdout();
    const reads = countStderrReads(() => {
      const logger = adaptPowertoolsLogger(createPowertoolsLogger());
      logger.warn('50% done: %s');
      logger.error('failed', { code: 'E_X' });
    });
    expect(reads).toBe(0);
    const text = stdout.text();
    // One write per line, each a JSON object and a newline (no format directives applied).
    expect(text.split('\n')).toHaveLength(3);
    expect(stdout.json().map((l) => [l.level, l.message, l.code])).toEqual([
      ['WARN', '50% done: %s', undefined],
      ['ERROR', 'failed', 'E_X'],
    ]);
  });
});
