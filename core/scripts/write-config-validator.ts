/**
 * Writes core/src/config/config-validator.generated.ts (ajv's standalone validator of the config
 * schema) from core/src/config/schema.ts. Run after changing the schema or upgrading ajv:
 *
 *   npx tsx core/scripts/write-config-validator.ts
 *
 * core/test/config/config-validator.test.ts fails while the file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configValidatorCode } from './config-validator-code.js';

const target = fileURLToPath(new URL('../src/config/config-validator.generated.ts', import.meta.url));
writeFileSync(target, configValidatorCode());
console.log(`wrote ${target}`);
