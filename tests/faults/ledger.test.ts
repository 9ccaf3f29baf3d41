import { describe, expect, it } from 'vitest';
import { createRecorder } from './support/case.js';
import { type CaseFigures, type CaseResult, formatSummary, summarize } from './support/ledger.js';

const fault = (over: Partial<CaseFigures> = {}): CaseFigures => ({
  kind: 'fault',
  group: 'provider',
  lost: 0,
  duplicated: 0,
  leaked: 0,
  checkedStore: true,
  ...over,
});

describe('fault suite ledger', () => {
  it('counts a fault as survived only if it passed, checked the store, and lost, duplicated and leaked nothing', () => {
    const cases: CaseResult[] = [
      { name: 'a', passed: true, figures: fault() },
      { name: 'b', passed: false, figures: fault({ lost: 2 }) },
      { name: 'c', passed: true, figures: fault({ checkedStore: false }) },
      { name: 'd', passed: false, figures: fault({ duplicated: 1, leaked: 1 }) },
      { name: 'e', passed: true, figures: { ...fault(), kind: 'bad-input' } },
      { name: 'f', passed: false, figures: { ...fault(), kind: 'bad-input', leaked: 1 } },
      { name: 'g', passed: true },
    ];
    const summary = summarize(cases);
    expect(summary).toEqual({
      faults: { total: 4, survived: 1, lost: 2, duplicated: 1, leaked: 1 },
      badInputs: { total: 2, rejected: 1, leaked: 1 },
    });
    expect(formatSummary(summary)).toBe(
      'faults: 1/4 survived, 2 lost, 1 duplicated, 2 secrets leaked; bad inputs: 1/2 rejected',
    );
  });
});

describe('case recorder', () => {
  it('counts a planted secret seen anywhere (plain text, nested objects, error causes) as leaked', () => {
    const { recorder, figures } = createRecorder('fault', 'secrets');
    const token = recorder.secret('refresh');
    const other = recorder.secret('client');
    recorder.see('nothing here', { runs: [{ error: 'fine' }] });
    expect(figures().leaked).toBe(0);
    recorder.see(new Error('outer', { cause: new Error(`inner ${token}`) }));
    expect(figures().leaked).toBe(1);
    recorder.see({ deep: { deeper: [other] } });
    expect(figures().leaked).toBe(2);
  });

  it('counts a secret seen in a rendered form (JSON-escaped, URL-encoded, base64) as leaked', () => {
    const { recorder, figures } = createRecorder('fault', 'secrets');
    const quoted = recorder.secret('token', 'quoted');
    expect(quoted).toMatch(/"q\\/);
    const encoded = recorder.secret('refresh');
    const based = recorder.secret('client');
    recorder.see(`preview: ${JSON.stringify(quoted).slice(1, -1)}`);
    expect(figures().leaked).toBe(1);
    recorder.see(`https://x.example/?t=${encodeURIComponent(`${encoded}`)}`);
    recorder.see(`header ${Buffer.from(based).toString('base64')}`);
    expect(figures().leaked).toBe(3);
  });

  it('counts missing or wrong values as lost and repeated or unknown rows as duplicated', () => {
    const { recorder, figures } = createRecorder('fault', 'storage');
    const row = (date: string, value: number) => ({ user_id: 'me', metric_type: 'steps', date, value });
    expect(() =>
      recorder.checkRows(
        [
          { user: 'me', metric: 'steps', date: '2026-11-01', value: 1 },
          { user: 'me', metric: 'steps', date: '2026-11-02', value: 2 },
          { user: 'me', metric: 'steps', date: '2026-11-03', value: 3 },
        ],
        [row('2026-11-01', 1), row('2026-11-01', 1), row('2026-11-02', 5), row('2026-11-09', 9)],
      ),
    ).toThrow();
    expect(figures()).toMatchObject({ lost: 2, duplicated: 2, checkedStore: true });
  });
});
