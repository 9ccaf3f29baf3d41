import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';

const committed = JSON.parse(readFileSync(new URL('../../config.schema.json', import.meta.url), 'utf8'));

describe('config.schema.json', () => {
  it('is the schema the loader validates with', () => {
    expect(
      committed,
      'core/config.schema.json is out of date: run `npx tsx core/scripts/write-config-schema.ts`',
    ).toEqual(JSON.parse(JSON.stringify(configSchema)));
  });

  it('is a draft-07 schema that plain validators (and editors) accept', () => {
    // No ajv `discriminator` option here: an editor does not know that keyword either.
    const validate = new Ajv({ strict: false, allErrors: true }).compile(committed);
    expect(validate({ storage: { type: 'dynamodb' }, plugins: ['csv', { use: 'x', enabled: false }] })).toBe(true);
    expect(validate({ storage: { type: 'dynamodb', path: 'x.db' } })).toBe(false);
  });

  it('describes every property, so editors can show what it is for', () => {
    const undescribed: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const node = schema as Record<string, unknown>;
      for (const [key, child] of Object.entries((node.properties as Record<string, unknown>) ?? {})) {
        if (!(child as { description?: string }).description) undescribed.push(`${path}.${key}`);
        walk(child, `${path}.${key}`);
      }
      for (const branch of (node.oneOf as unknown[]) ?? []) walk(branch, path);
      walk(node.items, `${path}[]`);
    };
    walk(configSchema, '');
    expect(undescribed).toEqual([]);
  });
});
