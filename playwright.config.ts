/**
 * End-to-end tests, two projects:
 * - `web`: browser mode in Debian's Chromium (headless, software WebGL) against
 *   `node out/main/server.js` started per worker with its own temp workspace (see
 *   test/e2e/helpers/fixtures.ts);
 * - `electron`: `*.electron.spec.ts` against the built app; skipped ("Electron binary not
 *   installed") when node_modules/electron/dist is absent.
 * The build must exist (`npm run build`); global setup rebuilds when it is missing or stale.
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_PATH } from './test/e2e/helpers/env';

export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/helpers/global-setup.ts',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: process.env.CI ? [['list']] : [['list']],
  outputDir: 'test-results',
  use: {
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'web',
      testIgnore: /\.electron\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        headless: true,
        viewport: { width: 1400, height: 900 },
        launchOptions: {
          executablePath: CHROMIUM_PATH,
          args: ['--disable-sync', '--enable-unsafe-swiftshader'],
        },
      },
    },
    {
      name: 'electron',
      testMatch: /\.electron\.spec\.ts$/,
    },
  ],
});
