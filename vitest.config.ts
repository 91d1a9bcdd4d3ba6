import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'examples/**/*.test.ts'],
    pool: 'forks',
    // Builds the prepared embedded database once, before any test file (and any test timeout) runs.
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Browser and PostgreSQL suites start their own processes; keep the 2-core machine calm.
    maxWorkers: 2,
  },
});
