import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configValidatorCode } from '../../scripts/config-validator-code.js';
import { validateConfigFile } from '../../src/config/validate-config.js';

const committed = readFileSync(new URL('../../src/config/config-validator.generated.ts', import.meta.url), 'utf8');

describe('the precompiled config validator', () => {
  it('is what ajv compiles from the schema today', () => {
    // Regenerated in memory: a schema change (or an ajv upgrade) without regenerating fails here.
    expect(
      committed === configValidatorCode(),
      'core/src/config/config-validator.generated.ts is out of date: run `npx tsx core/scripts/write-config-validator.ts`',
    ).toBe(true);
  });

  it('applies defaults and reports every problem with its path', () => {
    const ok = validateConfigFile({ users: [{ id: 'me' }] });
    expect(ok.problems).toEqual([]);
    expect((ok.value as { storage: { type: string } }).storage.type).toBe('sqlite');
    const bad = validateConfigFile({ storage: { type: 'sqlite', pathh: 'x' }, concurrency: 'many' });
    expect(bad.problems.map((p) => p.path).sort()).toEqual(['concurrency', 'storage.pathh']);
  });
});
