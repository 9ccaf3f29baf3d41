import { describe, expect, it } from 'vitest';
import { pointerToPath } from '../../src/config/json-path.js';

describe('pointerToPath', () => {
  it('writes array indexes in brackets and keys with dots', () => {
    expect(pointerToPath('/plugins/2/config/baseUrl', { plugins: [{}, {}, { config: { baseUrl: 1 } }] })).toBe(
      'plugins[2].config.baseUrl',
    );
  });

  it('quotes keys that are not identifiers, and tells numeric keys from indexes by the data', () => {
    const data = { plugins: [{ config: { 'api-key': 1, '2024': { 'a/b': 1 } } }] };
    expect(pointerToPath('/plugins/0/config/api-key', data)).toBe('plugins[0].config["api-key"]');
    expect(pointerToPath('/plugins/0/config/2024/a~1b', data)).toBe('plugins[0].config["2024"]["a/b"]');
  });

  it('prefixes a base path and leaves the root empty', () => {
    expect(pointerToPath('', {})).toBe('');
    expect(pointerToPath('/glassMl', { glassMl: 0 }, 'plugins[1].config')).toBe('plugins[1].config.glassMl');
  });
});
