import { defineConfig } from 'vitest/config';

// Its own config, so `npm test` here does not pick up the monorepo's from a parent folder.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'] },
});
