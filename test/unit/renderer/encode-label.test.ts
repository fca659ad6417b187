/**
 * Encode tab on a CVAE: changing "Label the image shows" encodes the shown image again under the
 * new label. A tester saw the best-fit result (z, "Best-fitting label 7", −ELBO 137.3) stay under a
 * picker that said 1 until the file was dropped again.
 */
import { describe, expect, it } from 'vitest';
import type { RequestInput, RequestOutput } from '../../../src-shared/contract';
import { Lab } from '../../../src-renderer/src/state/lab.svelte';
import { engineWith, run } from './fake-api';

type Encoded = RequestOutput<'model:encodeFile'>;

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** The engine's answer for `label` (undefined: best fit, 7): z = (label, −label). */
function encoded(label: number | undefined): Encoded {
  const l = label ?? 7;
  const probabilities = new Float32Array(10);
  probabilities[7] = 0.9;
  return {
    mean: Float32Array.of(l, -l),
    logVar: Float32Array.of(-1, -1),
    input: new Float32Array(784).fill(l / 10),
    reconstruction: new Float32Array(784),
    shape: [28, 28],
    neighbors: { indices: Int32Array.of(1), labels: Int32Array.of(l), distances: Float32Array.of(0.5), images: new Float32Array(784), shape: [28, 28] },
    ...(label === undefined ? { labelFit: { label: 7, probabilities } } : {}),
  } as unknown as Encoded;
}

async function cvaeLab() {
  const gates: Array<ReturnType<typeof deferred<void>>> = [];
  const api = engineWith([run('r', { kind: 'cvae', dim: 2 })]).handle('model:encodeFile', async ({ label }) => {
    const g = deferred<void>();
    gates.push(g);
    await g.promise;
    return encoded(label);
  });
  const lab = new Lab(api, null);
  await lab.engine.refresh();
  await lab.openRun('r');
  return { api, lab, gates };
}

const sentLabels = (api: { callsOf(c: 'model:encodeFile'): unknown[] }) => api.callsOf('model:encodeFile').map((c) => (c as RequestInput<'model:encodeFile'>).label);

describe('Encode tab, CVAE label', () => {
  it('a new label re-encodes the shown image; the old result is gone at once and busy says so', async () => {
    const { api, lab, gates } = await cvaeLab();
    const e = lab.encode;
    const bytes = Uint8Array.of(1, 2, 3);
    const first = e.encodeBytes('seven.png', bytes);
    gates[0].resolve();
    await first;
    expect(e.result!.labelFit!.label).toBe(7);

    const relabel = e.setLabel(1);
    // No best-fit result under a picker that says 1, not even while the new one comes.
    expect(e.label).toBe(1);
    expect(e.result).toBeNull();
    expect(e.busy).toBe(true);
    expect(e.name).toBe('seven.png');
    gates[1].resolve();
    await relabel;
    expect(sentLabels(api)).toEqual([undefined, 1]);
    expect((api.callsOf('model:encodeFile')[1] as RequestInput<'model:encodeFile'>).bytes).toBe(bytes);
    expect(e.busy).toBe(false);
    expect(e.encodedLabel).toBe(1);
    expect(Array.from(e.result!.mean)).toEqual([1, -1]);
    expect(e.result!.labelFit).toBeUndefined();

    // Back to auto: the best fit again.
    const auto = e.setLabel(null);
    gates[2].resolve();
    await auto;
    expect(sentLabels(api)).toEqual([undefined, 1, undefined]);
    expect(e.result!.labelFit!.label).toBe(7);
  });

  it('labels picked quickly: only the last one’s answer is shown, whatever order the answers come in', async () => {
    const { lab, gates } = await cvaeLab();
    const e = lab.encode;
    const first = e.encodeBytes('d.png', Uint8Array.of(9));
    gates[0].resolve();
    await first;
    const to2 = e.setLabel(2);
    const to3 = e.setLabel(3);
    gates[2].resolve();
    await to3;
    gates[1].resolve();
    await to2;
    expect(Array.from(e.result!.mean)).toEqual([3, -3]);
    expect(e.encodedLabel).toBe(3);
    expect(e.busy).toBe(false);
  });

  it('a label picked before any image only sets the label: nothing is sent', async () => {
    const { api, lab } = await cvaeLab();
    await lab.encode.setLabel(4);
    expect(lab.encode.label).toBe(4);
    expect(api.callsOf('model:encodeFile')).toHaveLength(0);
  });
});
