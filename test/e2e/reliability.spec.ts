/**
 * Reliability (issue #6) through the real browser-mode server and the real engine process:
 * SIGKILL the engine mid-epoch and mid-export. Clients see `crashed` (with the signal);
 * `engine:restart` works; saved runs (including the one killed mid-epoch, from its last
 * checkpoint) open and give finite outputs; no complete-looking export folder exists; the
 * killed export's temp folder is removed when the engine starts again (its journal record in
 * `exports-in-progress/`); no temp file of an atomic write is left in the run folders.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test, expect } from '@playwright/test';
import writeFileAtomic from 'write-file-atomic';
import { startLabServer, type LabServer } from './helpers/lab-server';
import { connectWs, isClient, type LabWsClient } from './helpers/ws-client';

type Ok<T = any> = { ok: true; value: T };

/** Temp files of the engine's atomic write (write-file-atomic names them `<file>.<uint32>`). */
const ATOMIC_TEMP = /\.(json|jsonl|bin)\.\d+$/;

async function ok<T = any>(client: LabWsClient, name: string, payload: unknown): Promise<T> {
  const r = await client.request(name, payload);
  if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
  return (r as Ok<T>).value;
}

async function killAndRestart(client: LabWsClient, pid: number): Promise<number> {
  process.kill(pid, 'SIGKILL');
  const crashed = await client.waitForEvent('engine:state', (s) => s.state === 'crashed', 30_000);
  expect(crashed.message).toMatch(/SIGKILL/);
  expect(await client.request('engine:info', {})).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
  expect(await client.request('engine:restart', {})).toEqual({ ok: true, value: { ok: true } });
  const back = await client.waitForEvent('engine:state', (s) => s.state === 'ready' && s.pid !== pid, 90_000);
  return back.pid;
}

test('engine SIGKILLed mid-epoch and mid-export: restart, saved runs load, no half export, temp cleaned', async () => {
  test.setTimeout(240_000);
  const lab: LabServer = await startLabServer();
  let client: LabWsClient | null = null;
  try {
    const c = await connectWs(lab.origin, { token: lab.token, origin: lab.origin });
    if (!isClient(c)) throw new Error(`refused ${c.refused}`);
    client = c;
    let pid: number = (await client.waitForEvent('engine:state', (s) => s.state === 'ready', 90_000)).pid;

    // A finished run to keep safe.
    const done = await ok(client, 'training:start', { model: { kind: 'vae', latentDim: 2, hidden: [16] }, epochs: 1, snapshotSize: 0, name: 'safe' });
    await client.waitForEvent('training:done', (d) => d.runId === done.runId, 90_000);
    const safeImages: Float32Array = (await ok(client, 'model:generate', { count: 4, seed: 7 })).images;

    await test.step('kill mid-epoch', async () => {
      const { runId } = await ok(client!, 'training:start', {
        model: { kind: 'vae', latentDim: 2, hidden: [16] },
        epochs: 200,
        batchSize: 32,
        snapshotSize: 20,
        name: 'killed mid-epoch',
      });
      // Epoch 1 checkpointed (its snapshot follows the save), then well into epoch 2.
      await client!.waitForEvent('training:latents', (l) => l.runId === runId && l.epoch === 1, 90_000);
      await client!.waitForEvent('training:progress', (p) => p.runId === runId && p.epoch === 2 && p.batch > 1, 60_000);
      pid = await killAndRestart(client!, pid);

      const runs: Array<{ id: string; state: string; epochsDone: number; error?: string }> = await ok(client!, 'runs:list', {});
      expect(runs.find((r) => r.id === done.runId)).toMatchObject({ state: 'done', epochsDone: 1 });
      const killed = runs.find((r) => r.id === runId)!;
      expect(killed.epochsDone).toBeGreaterThanOrEqual(1);
      // It is not training any more, and says so.
      expect(killed.state).toBe('error');
      expect(killed.error).toMatch(/interrupted/);
      expect(await ok(client!, 'training:status', {})).toBeNull();

      await ok(client!, 'runs:open', { runId });
      const g: Float32Array = (await ok(client!, 'model:generate', { count: 8, seed: 1 })).images;
      expect(g.every(Number.isFinite)).toBe(true);
      await ok(client!, 'runs:open', { runId: done.runId });
      const again: Float32Array = (await ok(client!, 'model:generate', { count: 4, seed: 7 })).images;
      expect(Array.from(again)).toEqual(Array.from(safeImages));
      // No torn temp files left in the run folders: the atomic writer's (write-file-atomic,
      // `<file>.<number>`, the pattern checked against its own temp name) nor a checkpoint's.
      const tempName = (writeFileAtomic as unknown as { _getTmpname(f: string): string })._getTmpname('config.json');
      expect(tempName).toMatch(ATOMIC_TEMP);
      for (const id of [runId, done.runId]) {
        const all = readdirSync(path.join(lab.workspace, 'runs', id), { recursive: true }).map(String);
        expect(all.filter((f) => ATOMIC_TEMP.test(f) || /model\.tmp-/.test(f))).toEqual([]);
      }
    });

    await test.step('kill mid-export', async () => {
      const parent = path.join(lab.outDir, 'exports');
      const out = path.join(parent, 'generated');
      const pending = client!.request('export:start', { runId: done.runId, format: 'imagefolder', count: 100_000, out });
      await client!.waitForEvent('export:progress', (p) => p.done > 0 && p.total === 100_000, 60_000);
      const journalDir = path.join(lab.workspace, 'exports-in-progress');
      const journal = readdirSync(journalDir).map((f) => JSON.parse(readFileSync(path.join(journalDir, f), 'utf8')));
      expect(journal).toMatchObject([{ out, step: 'writing' }]);
      const temps = () => (existsSync(parent) ? readdirSync(parent) : []);
      expect(temps().some((n) => n.startsWith('.generated.latentlab-tmp-'))).toBe(true);

      process.kill(pid, 'SIGKILL');
      expect(await pending).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });
      await client!.waitForEvent('engine:state', (s) => s.state === 'crashed' && s.message && /SIGKILL/.test(s.message), 30_000);
      // Nothing complete-looking: the target does not exist, only the hidden temp folder and the export's lock file do.
      expect(existsSync(out)).toBe(false);
      expect(temps().every((n) => n.startsWith('.generated.latentlab-tmp-') || n === '.generated.latentlab-lock')).toBe(true);

      expect(await client!.request('engine:restart', {})).toEqual({ ok: true, value: { ok: true } });
      await client!.waitForEvent('engine:state', (s) => s.state === 'ready' && s.pid !== pid, 90_000);
      expect(temps()).toEqual([]);
      expect(readdirSync(journalDir)).toEqual([]);

      // The same target works afterwards.
      const r = await ok(client!, 'export:start', { runId: done.runId, format: 'npz', count: 10, out });
      expect(r.total).toBe(10);
      expect(temps()).toEqual(['generated']);
      expect(readdirSync(out).sort()).toContain('manifest.json');
    });
  } finally {
    client?.close();
    await test.info().attach('server log', { body: lab.logs(), contentType: 'text/plain' });
    await lab.stop();
  }
});
