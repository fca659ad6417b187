/**
 * Build of the Electron main process (with the engine entry, the browser-mode server and the
 * CLI as extra entries), the sandboxed preload (one CommonJS file, no chunks) and the renderer.
 *
 *   out/main/index.js         Electron main
 *   out/main/engine-entry.js  engine process (utilityProcess / child_process.fork)
 *   out/main/server.js        browser mode: `node out/main/server.js`
 *   out/main/cli.js           command line
 *   out/main/train-worker.js  training worker thread (worker_threads, started by the engine)
 *   out/main/kernels/*.wasm   the dense training kernels (committed binaries, read by the engine)
 *   out/preload/preload.js    preload (CJS; sandboxed preloads cannot load ESM or chunks)
 *   out/renderer/             UI (index.html; scatter-bench.html is the bench's scatter page)
 */
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { EVENT_NAMES, HOST_EVENT_NAMES, HOST_REQUEST_NAMES, REQUEST_NAMES } from './src-shared/contract';

const here = (p: string): string => resolve(__dirname, p);

/** Entries of the main build (see the list at the top). */
const mainEntries: Record<string, string> = {
  index: here('src-main/index.ts'),
  server: here('src-main/server/main.ts'),
  'engine-entry': here('src-main/engine-entry.ts'),
  cli: here('src-main/cli/main.ts'),
  // Training worker thread of the data-parallel trainer (src-main/engine/parallel).
  'train-worker': here('src-main/engine/parallel/worker.ts'),
};

/** Copies the committed WebAssembly kernels to out/main/kernels/ (kernels/dense/kernelModule.ts reads them there). */
function kernelFiles(): Plugin {
  const dir = here('src-main/engine/kernels/dense');
  return {
    name: 'latent-lab:kernel-files',
    generateBundle() {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.wasm'))) {
        this.emitFile({ type: 'asset', fileName: `kernels/${file}`, source: readFileSync(resolve(dir, file)) });
      }
    },
  };
}

/** The contract's names, inlined into the preload so it stays free of zod and of chunks. */
const labNames = {
  requests: REQUEST_NAMES,
  events: [...EVENT_NAMES, ...HOST_EVENT_NAMES],
  hostRequests: HOST_REQUEST_NAMES,
};

export default defineConfig({
  main: {
    plugins: [kernelFiles()],
    build: {
      outDir: here('out/main'),
      sourcemap: true,
      // Node deps stay in node_modules (tfjs, sharp, ws, msgpackr…); ESM-only ones used by main
      // are bundled so the CommonJS main can load them.
      externalizeDeps: { exclude: ['electron-store'] },
      rolldownOptions: {
        input: mainEntries,
        output: {
          format: 'cjs',
          entryFileNames: '[name].js',
          chunkFileNames: 'chunks/[name]-[hash].js',
        },
      },
    },
  },
  preload: {
    define: { __LAB_NAMES__: JSON.stringify(labNames) },
    build: {
      outDir: here('out/preload'),
      sourcemap: true,
      rolldownOptions: {
        input: { preload: here('src-main/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].js', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: here('src-renderer'),
    base: './',
    plugins: [svelte()],
    build: {
      outDir: here('out/renderer'),
      sourcemap: true,
      emptyOutDir: true,
      rolldownOptions: {
        // scatter-bench.html: the scatter at 70k / 1M synthetic points, for `npm run bench` (not linked from the app).
        input: { index: here('src-renderer/index.html'), 'scatter-bench': here('src-renderer/scatter-bench.html') },
      },
    },
  },
});
