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

export { expect };
export type { LabServer };
