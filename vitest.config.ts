import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/pglite-template.ts'],
    // Sized for a loaded 2-core machine (the whole suite run twice at once): tests wait on states, and these bounds
    // only decide how long a real hang takes to be reported.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Each file opens its own database; two cores on CI, so two forks.
    pool: 'forks',
    maxWorkers: 2,
  },
});
