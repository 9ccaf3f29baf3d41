import { describe, expect, it } from 'vitest';
import plugin, { FIT_END_DATE } from '../src/index.js';

describe('google-fit-steps: deprecated', () => {
  it('declares the end of Fit with the date and the exact change to google-health', () => {
    expect(FIT_END_DATE).toBe('2026-12-31');
    expect(plugin.deprecated?.until).toBe('2026-12-31');
    expect(plugin.deprecated?.message).toContain("Google Fit's REST API ends on 2026-12-31.");
    expect(plugin.deprecated?.message).toContain('{ "use": "google-health", "config": { "dataType": "steps" } }');
    expect(plugin.deprecated?.message).toContain('life-stats auth google-health --user <id>');
    // One line: core prints it after the entry's path.
    expect(plugin.deprecated?.message).not.toContain('\n');
  });
});
