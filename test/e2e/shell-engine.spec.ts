/**
 * Engine crash and restart through the real browser-mode server and the real engine process:
 * SIGKILL the engine mid-training; clients see `crashed` (with the signal) and ENGINE_DOWN for
 * what was pending; `engine:restart` brings it back and the saved run is still listed.
 */
import { test, expect } from '@playwright/test';
import { startLabServer } from './helpers/lab-server';
import { connectWs, isClient, type LabWsClient } from './helpers/ws-client';

test('engine killed mid-training: crashed, ENGINE_DOWN, restart, runs still listed', async () => {
  test.setTimeout(180_000);
  // Its own server: killing the engine must not disturb the worker's shared one.
  const lab = await startLabServer();
  let client: LabWsClient | null = null;
  try {
    const c = await connectWs(lab.origin, { token: lab.token, origin: lab.origin });
    if (!isClient(c)) throw new Error(`refused ${c.refused}`);
    client = c;
    const ready = await client.waitForEvent('engine:state', (s) => s.state === 'ready', 90_000);
    expect(ready.backend?.backend).toMatch(/tensorflow|wasm|cpu/);
    const pid: number = ready.pid;
    expect(pid).toBeGreaterThan(0);

    const started = await client.request('training:start', {
      dataset: { id: 'toy-moons' },
      model: { kind: 'vae', latentDim: 2, hidden: [16] },
      epochs: 500,
      batchSize: 32,
      snapshotSize: 50,
      name: 'crash test',
    });
    expect(started).toMatchObject({ ok: true });
    const runId = (started as { value: { runId: string } }).value.runId;
    await client.waitForEvent('training:progress', (p) => p.runId === runId, 60_000);

    // A request in flight when the process dies is answered, not left hanging.
    const inFlight = client.request('training:status', {});
    process.kill(pid, 'SIGKILL');
    const crashed = await client.waitForEvent('engine:state', (s) => s.state === 'crashed', 30_000);
    expect(crashed.message).toMatch(/SIGKILL/);
    const r = await inFlight;
    expect(r.ok === true || r.error.code === 'ENGINE_DOWN').toBe(true);
    expect(await client.request('runs:list', {})).toMatchObject({ ok: false, error: { code: 'ENGINE_DOWN' } });

    expect(await client.request('engine:restart', {})).toEqual({ ok: true, value: { ok: true } });
    const back = await client.waitForEvent('engine:state', (s) => s.state === 'ready' && s.pid !== pid, 90_000);
    expect(back.pid).not.toBe(pid);
    const runs = await client.request('runs:list', {});
    expect(runs.ok).toBe(true);
    expect((runs as { value: Array<{ id: string }> }).value.map((x) => x.id)).toContain(runId);
    expect((await client.request('engine:info', {})).ok).toBe(true);
  } finally {
    client?.close();
    await test.info().attach('server log', { body: lab.logs(), contentType: 'text/plain' });
    await lab.stop();
  }
});

test('the page shows the crash and recovers with its Restart button', async ({ page }) => {
  test.setTimeout(180_000);
  const lab = await startLabServer();
  let client: LabWsClient | null = null;
  try {
    await page.goto(lab.url);
    const engineState = page.getByTestId('engine-state');
    await expect(engineState).toHaveAttribute('data-state', 'ready', { timeout: 90_000 });
    await page.getByTestId('epochs-input').fill('200');
    await page.getByTestId('train-button').click();
    const train = page.getByTestId('train-state');
    await expect(train).toHaveAttribute('data-state', 'training', { timeout: 60_000 });
    const runId = await train.getAttribute('data-run-id');
    expect(runId).toBeTruthy();

    const c = await connectWs(lab.origin, { token: lab.token, origin: lab.origin });
    if (!isClient(c)) throw new Error(`refused ${c.refused}`);
    client = c;
    const ready = await client.waitForEvent('engine:state', (s) => s.state === 'ready');
    process.kill(ready.pid, 'SIGKILL');

    await expect(engineState).toHaveAttribute('data-state', 'crashed', { timeout: 30_000 });
    await page.getByTestId('restart-engine').click();
    await expect(engineState).toHaveAttribute('data-state', 'ready', { timeout: 90_000 });
    await expect(page.locator(`[data-testid="run-item"][data-run-id="${runId}"]`)).toBeVisible({ timeout: 30_000 });
  } finally {
    client?.close();
    await test.info().attach('server log', { body: lab.logs(), contentType: 'text/plain' });
    await lab.stop();
  }
});
