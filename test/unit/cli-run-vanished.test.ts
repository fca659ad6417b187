/**
 * `latent-lab train` and the app on one workspace (tester report 3, finding 2): the app lists the
 * run as the command line's and refuses to delete or rename it (BUSY); when its folder is deleted
 * anyway, training stops and the CLI says what happened (exit code ≠ 0), instead of dying with
 * "Cannot read properties of undefined (reading 'state')".
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { runCli } from './cliOutput';

const home = mkdtempSync(path.join(os.tmpdir(), 'll-cli-vanish-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('the app refuses to delete the CLI’s run; deleted by hand mid-training, training stops and the message names the folder', async () => {
  const runs = path.join(home, 'runs');
  const result = runCli(['train', '--dataset', 'toy-moons', '--hidden', '8', '--latent', '2', '--epochs', '2000', '--batch', '8'], { home });
  // Once an epoch is on disk, the folder goes (as a second app's Delete did).
  let dir: string | null = null;
  await expect
    .poll(
      () => {
        const id = existsSync(runs) ? readdirSync(runs).find((n) => !n.startsWith('.')) : undefined;
        dir = id ? path.join(runs, id) : null;
        return dir !== null && existsSync(path.join(dir, 'metrics.jsonl'));
      },
      { timeout: 60_000, interval: 100 },
    )
    .toBe(true);
  // The app on the same workspace: the run is the CLI's, and it is neither deleted nor renamed.
  const app = await Engine.create({ workspace: home, emit: () => {} });
  try {
    const id = path.basename(dir!);
    const listed = (await app.call('runs:list', {})).find((x) => x.id === id)!;
    expect(listed).toMatchObject({ state: 'training', trainer: 'the command line (latent-lab train)' });
    expect(await app.handle('runs:delete', { runId: id })).toMatchObject({ ok: false, error: { code: 'BUSY', message: expect.stringMatching(/the command line \(latent-lab train\)/) } });
    expect(await app.handle('runs:rename', { runId: id, name: 'mine now' })).toMatchObject({ ok: false, error: { code: 'BUSY' } });
  } finally {
    await app.dispose();
  }
  // As a user's `rm -rf` would, while the trainer still writes into it: a checkpoint written between
  // the listing and the rmdir makes a pass fail with ENOTEMPTY (seen under load), so the user runs
  // it again until the folder is gone.
  await expect
    .poll(
      () => {
        try {
          rmSync(dir!, { recursive: true, force: true });
        } catch {
          /* ENOTEMPTY: the trainer wrote into it meanwhile; again */
        }
        return existsSync(dir!);
      },
      { timeout: 30_000, interval: 50 },
    )
    .toBe(false);
  const r = await result;
  expect(r.code).not.toBe(0);
  expect(r.stderr).not.toMatch(/Cannot read properties/);
  expect(r.stderr).toContain(`the run's folder ${dir} was deleted while it trained`);
  expect(r.stderr).toMatch(/training stopped/);
}, 120_000);
