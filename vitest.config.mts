import { svelte } from '@sveltejs/vite-plugin-svelte';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (plain Node: engine, host, server, CLI…) and `renderer` (the renderer's
 * state classes, `.svelte.ts` runes compiled for the browser by the Svelte plugin, run in Node
 * with a fake API — no DOM).
 */
export default defineConfig({
  test: {
    testTimeout: 120_000,
    // No in-app classifier training at the end of the many small runs (its own tests turn it on).
    env: { LATENT_LAB_CLASSIFIER: '0' },
    hookTimeout: 120_000,
    pool: 'forks',
    // tfjs keeps global state (backend, registered kernels); keep each file in its own process.
    isolate: true,
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/unit/renderer/**'],
          environment: 'node',
        },
      },
      {
        extends: true,
        // Compile runes for the client (real effects and reactivity) although the tests run in
        // Node, and load Svelte's client runtime, not its server build.
        plugins: [svelte({ configFile: false, dynamicCompileOptions: () => ({ generate: 'client' }) })],
        ssr: { resolve: { conditions: ['browser'] } },
        test: {
          name: 'renderer',
          include: ['test/unit/renderer/**/*.test.ts'],
          environment: 'node',
        },
      },
    ],
  },
});
