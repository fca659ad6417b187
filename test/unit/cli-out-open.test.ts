/**
 * A run saved with `train --out` lives outside the workspace, and the app lists only
 * `<workspace>/runs/`: the CLI ends with how to open it there, and both ways it names work — the
 * app started on the folder above the `runs/` that holds it, or the folder copied into the
 * workspace's runs folder (report-fresh1 #7).
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { openInAppHint } from '../../src-main/cli/train';
import { OPEN_IN_APP_NOTE, runCli } from './cliOutput';

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'll-cli-out-open-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The run ids the app's engine lists for `workspace`, and whether `id` opens. */
async function appSees(workspace: string, id: string): Promise<{ ids: string[]; opened: boolean }> {
  const engine = await Engine.create({ workspace, emit: () => undefined });
  try {
    const ids = (await engine.call('runs:list', {})).map((r) => r.id);
    const opened = await engine.call('runs:open', { runId: id }).then(() => true, () => false);
    return { ids, opened };
  } finally {
    await engine.dispose();
  }
}

describe('train --out: opening the run in the app', () => {
  it('ends with the way to open it; the app started on the folder above runs/ lists and opens it, and so does a workspace it is copied into', async () => {
    const home = path.join(tmp, 'home');
    const lab = path.join(tmp, 'my lab');
    const out = path.join(lab, 'runs', 'vae-z2');
    mkdirSync(path.dirname(out), { recursive: true });
    const r = await runCli(['train', '--model', 'vae', '--latent', '2', '--hidden', '16', '--epochs', '1', '--out', out, '--json'], { home });
    expect(r.code).toBe(0);
    const hint = r.stderr.trim().split('\n').at(-1)!;
    expect(hint.startsWith(OPEN_IN_APP_NOTE)).toBe(true);
    expect(hint).toContain(`to open this run in the app, start it on the folder that holds runs/: LATENT_LAB_HOME='${lab}' npm start (browser mode: npm run serve -- --workspace '${lab}')`);
    expect(hint).toContain(`cp -r '${out}' ${path.join(home, 'runs')}/`);

    expect(await appSees(lab, 'vae-z2')).toEqual({ ids: ['vae-z2'], opened: true });
    cpSync(out, path.join(home, 'runs', 'vae-z2'), { recursive: true });
    const copied = await appSees(home, 'vae-z2');
    expect(copied.ids).toContain('vae-z2');
    expect(copied.opened).toBe(true);
  }, 240_000);

  it('a folder not under runs/: only the copy is offered', () => {
    expect(openInAppHint('/data/vae-z2', '/home/u/.local/share/latent-lab')).toBe(
      "to open this run in the app, copy it into your workspace's runs folder: cp -r /data/vae-z2 /home/u/.local/share/latent-lab/runs/ (the app lists only <workspace>/runs/)",
    );
  });
});
