/**
 * `train --out` through a symbolic link into the workspace (fresh-user testers): the refusal names
 * the path as typed and where it resolves, and a link that points at a workspace folder not made
 * yet (`ln -s <ws>/runs out` before the first run) is refused too — it was taken for a folder
 * outside the workspace, and the run trained and was then "moved" into `<ws>/runs/` through it.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRunOut } from '../../src-main/cli/runOut';
import { makeTemp, rmTemp } from '../fixtures/generate';

let root: string;
let ws: string;

beforeAll(async () => {
  root = await makeTemp('ll-run-out-link-');
  ws = path.join(root, 'ws');
  await fs.mkdir(ws);
});
afterAll(() => rmTemp(root));

const refusal = (out: string) => checkRunOut(out, ws).then(
  () => 'accepted',
  (e: Error) => e.message,
);

describe('train --out through a symbolic link', () => {
  it('a link to the workspace is refused, naming the link and the workspace it leads to', async () => {
    const link = path.join(root, 'link');
    await fs.symlink(ws, link);
    expect(await refusal(link)).toBe(`--out ${link} (a link to ${ws}) overlaps the workspace ${ws}: choose a folder outside it`);
    expect(await refusal(path.join(link, 'x'))).toBe(
      `--out ${path.join(link, 'x')} (through a symbolic link, that is ${path.join(ws, 'x')}) overlaps the workspace ${ws}: choose a folder outside it`,
    );
  });

  it("a link to the workspace's runs/ folder that does not exist yet is refused, not trained into", async () => {
    const link = path.join(root, 'to-runs');
    await fs.symlink(path.join(ws, 'runs'), link); // runs/ is made when the first run trains
    const out = path.join(link, 'mine');
    expect(await refusal(out)).toBe(
      `--out ${out} (through a symbolic link, that is ${path.join(ws, 'runs', 'mine')}) overlaps the workspace ${ws}: choose a folder outside it`,
    );
    const chain = path.join(root, 'to-link');
    await fs.symlink(link, chain); // a link to that link: followed as far as it goes
    expect(await refusal(path.join(chain, 'mine'))).toMatch(/overlaps the workspace/);
  });

  it('a link out of the workspace, and a loop of links, are judged where they lead', async () => {
    const elsewhere = path.join(root, 'elsewhere');
    await fs.mkdir(elsewhere);
    await fs.symlink(elsewhere, path.join(root, 'to-elsewhere'));
    expect(await refusal(path.join(root, 'to-elsewhere', 'run'))).toBe('accepted');
    await fs.symlink(path.join(root, 'loop-b'), path.join(root, 'loop-a'));
    await fs.symlink(path.join(root, 'loop-a'), path.join(root, 'loop-b'));
    expect(await refusal(path.join(root, 'loop-a', 'run'))).not.toMatch(/overlaps the workspace/);
  });
});
