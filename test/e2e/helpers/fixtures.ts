/**
 * Playwright fixtures for the `web` project: one browser-mode server per worker (its own temp
 * workspace, port 0), and `labUrl`, the tokenised URL to open.
 *
 *   import { test, expect } from './helpers/fixtures';
 *   test('…', async ({ page, labUrl }) => { await page.goto(labUrl); … });
 */
import { test as base, expect } from '@playwright/test';
import { startLabServer, type LabServer } from './lab-server';

export const test = base.extend<{ labUrl: string; lab: LabServer }, { labServer: LabServer }>({
  labServer: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startLabServer();
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  lab: async ({ labServer }, use) => {
    await use(labServer);
  },
  labUrl: async ({ labServer }, use) => {
    await use(labServer.url);
  },
});

/**
 * `test` with a server (and so a workspace) of the test's own instead of the worker's shared one:
 * for specs that count the Saved runs rows or need a first-start screen, which another spec's
 * runs in a shared workspace would change (the order of specs in a worker is not fixed).
 */
export const testOwnServer = base.extend<{ lab: LabServer; labUrl: string }>({
  // eslint-disable-next-line no-empty-pattern
  lab: async ({}, use) => {
    const server = await startLabServer();
    await use(server);
    await server.stop();
  },
  labUrl: async ({ lab }, use) => {
    await use(lab.url);
  },
});

export { expect };
export type { LabServer };
