import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // tfjs keeps global state (backend, registered kernels); keep each file in its own process.
    isolate: true,
    fileParallelism: true,
    maxWorkers: 2,
  },
});
