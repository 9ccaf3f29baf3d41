/**
 * Writes core/config.schema.json (the published JSON Schema of the config file) from the schema
 * const in core/src/config/schema.ts, the single source of truth. Run after changing the schema:
 *
 *   npx tsx core/scripts/write-config-schema.ts
 *
 * core/test/config/schema.test.ts fails while the two differ.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/config/schema.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const target = fileURLToPath(new URL('../config.schema.json', import.meta.url));

writeFileSync(target, `${JSON.stringify(configSchema, null, 2)}\n`);
// Format as the repository's formatter would, so `biome check` stays clean; the test compares
// parsed JSON, so this is cosmetic.
const biome = spawnSync('npx', ['--no-install', 'biome', 'format', '--write', target], { cwd: root, stdio: 'inherit' });
if (biome.status !== 0) console.warn('biome format failed; the schema is written but not formatted');
console.log(`wrote ${target}`);
