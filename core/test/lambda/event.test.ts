import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatError, hasErrorCode } from '../../src/errors.js';
import { parseEvent } from '../../src/lambda/event.js';

const example = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../examples/events/${name}`, import.meta.url), 'utf8'));

function usageError(event: unknown): string {
  try {
    parseEvent(event);
  } catch (error) {
    expect(hasErrorCode(error, 'E_USAGE')).toBe(true);
    return formatError(error);
  }
  throw new Error('expected parseEvent to throw');
}

describe('parseEvent', () => {
  it('reads the example events of examples/events', () => {
    expect(parseEvent(example('all.json'))).toEqual({});
    expect(parseEvent(example('metric.json'))).toEqual({ metric: 'steps' });
    expect(parseEvent(example('user.json'))).toEqual({ user: 'me' });
    expect(parseEvent(example('both.json'))).toEqual({ metric: 'steps', user: 'me' });
  });

  it('runs everything for a bare EventBridge Scheduled Event envelope', () => {
    const envelope = example('scheduled-event.json') as Record<string, unknown>;
    expect(envelope['detail-type']).toBe('Scheduled Event');
    expect(parseEvent(envelope)).toEqual({});
  });

  it('ignores unknown keys and treats null or missing as not given', () => {
    expect(parseEvent({ metric: 'water_ml', extra: 1, nested: { user_id: 'x' } })).toEqual({ metric: 'water_ml' });
    expect(parseEvent({ metric: null, user_id: 'me' })).toEqual({ user: 'me' });
    expect(parseEvent(undefined)).toEqual({});
    expect(parseEvent(null)).toEqual({});
  });

  it('rejects values that cannot select anything, saying what to send', () => {
    expect(usageError({ metric: 42 })).toContain('"metric" must be a non-empty string, got number 42');
    expect(usageError({ user_id: '  ' })).toContain('"user_id" must be a non-empty string');
    expect(usageError({ metric: ['steps'] })).toContain('got an array');
    expect(usageError('{"metric":"steps"}')).toContain('must be a JSON object');
    expect(usageError([{}])).toContain('must be a JSON object');
  });

  it("refuses this package's own Run Completed events, which would loop", () => {
    const text = usageError({ source: 'life-stats', 'detail-type': 'Run Completed', detail: { runs: [] } });
    expect(text).toContain("routes the function's own events back to it");
  });
});
