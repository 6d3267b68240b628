import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/pglite-template.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file opens its own database; two cores on CI, so two forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
