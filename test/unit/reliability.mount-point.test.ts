/**
 * Reliability: a mount point (the root of a drive) as the export's destination is refused in
 * words before anything is generated. Before, an empty mount point passed the checks, the whole
 * export was generated, and the commit failed with a raw "EBUSY: resource busy or locked,
 * rename '/mnt/x' -> '/mnt/.x.latentlab-old-…'" (a mount point cannot be moved aside).
 * A mount cannot be made in a unit test without root: the decision is tested with an injected
 * `stat` (the target's file system differs from its parent's) or mount table (a bind mount: the
 * same file system, listed in /proc/self/mountinfo), and, on Linux, with /proc.
 */
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDestination, writeGeneratedExport, type ExportManifest, type GeneratedSource } from '../../src-main/engine/export';
import { isMountPoint, mountPointsOf } from '../../src-main/engine/export/destination';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-mount-');
});
afterAll(() => rmTemp(tmp));

/** A `stat` under which `mount` is on another file system (dev 2) than everything else (dev 1). */
const mountedAt = (mount: string) => async (p: string) => {
  await fsp.stat(p); // a missing path fails as the real stat does
  return { dev: path.resolve(p) === mount ? 2 : 1 };
};

describe('a mount point as the export destination', () => {
  it('an empty folder that is a mount point is refused in words; an empty plain folder is still fine', async () => {
    const drive = path.join(tmp, 'drive');
    await fsp.mkdir(drive);
    await expect(checkDestination(drive, { stat: mountedAt(drive) })).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      message: `${drive} is a mount point (the root of a drive): export into a new folder inside it`,
    });
    // The same folder on its parent's file system: an empty folder, fine as before.
    expect(await checkDestination(drive, {})).toBe('empty');
    // A new folder inside the drive is fine (not there yet: nothing to move aside).
    expect(await checkDestination(path.join(drive, 'digits'), { stat: mountedAt(drive) })).toBe('absent');
    expect(await fsp.readdir(drive)).toEqual([]);
  });

  it('isMountPoint: a folder on another file system than its parent; not a root, not an unreadable path', async () => {
    const drive = path.join(tmp, 'drive2');
    await fsp.mkdir(drive);
    expect(await isMountPoint(drive, mountedAt(drive))).toBe(true);
    expect(await isMountPoint(drive)).toBe(false);
    expect(await isMountPoint(path.parse(tmp).root)).toBe(false);
    expect(await isMountPoint(path.join(tmp, 'missing'))).toBe(false);
  });

  it('a bind mount (the same file system mounted again, as a Docker volume) is refused: its real path is in the mount table', async () => {
    await fsp.mkdir(path.join(tmp, 'my volume'));
    const vol = await fsp.realpath(path.join(tmp, 'my volume')); // the table lists real paths
    // proc(5)'s mountinfo: the fifth field is the mount point, a space written \040.
    const line = (mountPoint: string) => `1093 1072 254:1 /srv/data ${mountPoint.replace(/ /g, '\\040')} rw,relatime - ext4 /dev/vda1 rw`;
    const table = [line('/'), line(vol)].join('\n');
    const mounts = async () => table;
    await expect(checkDestination(vol, { mounts })).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      message: `${vol} is a mount point (the root of a drive): export into a new folder inside it`,
    });
    expect(await isMountPoint(vol, undefined, mounts)).toBe(true);
    // Not listed, no table (macOS, Windows), or a folder inside the volume: a plain folder.
    expect(await isMountPoint(vol, undefined, async () => line('/'))).toBe(false);
    expect(await isMountPoint(vol, undefined, async () => null)).toBe(false);
    await fsp.mkdir(path.join(vol, 'digits'));
    expect(await checkDestination(path.join(vol, 'digits'), { mounts })).toBe('empty');
    expect(mountPointsOf(table)).toEqual(new Set(['/', vol]));
  });

  it.runIf(process.platform === 'linux' && existsSync('/proc/self'))('a real mount point (/proc): refused before the first image is generated', async () => {
    let pulled = 0;
    async function* chunks() {
      pulled++;
      yield { images: new Float32Array(2 * 16).fill(0.5), labels: Int32Array.from([0, 1]), z: new Float32Array(4), count: 2 };
    }
    const src: GeneratedSource = { total: 2, height: 4, width: 4, latentDim: 2, labelNames: ['a', 'b'], chunks: chunks() };
    const manifest: ExportManifest = {
      runId: 'r',
      modelKind: 'cvae',
      latentDim: 2,
      dataset: 'mnist',
      seed: 1,
      temperature: 1,
      countPerLabel: { a: 1, b: 1 },
      created: '2026-01-01T00:00:00Z',
      appVersion: '0.0.0',
    };
    await expect(writeGeneratedExport('npz', '/proc', src, manifest)).rejects.toMatchObject({
      code: 'INVALID_PAYLOAD',
      message: '/proc is a mount point (the root of a drive): export into a new folder inside it',
    });
    expect(pulled).toBe(0);
  });
});
