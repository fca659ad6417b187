/**
 * Skipped items are named, not only counted: a Hugging Face imagefolder's unlabeled rows and
 * unlisted images, a class folder's broken links and link cycles, and a file with no extension
 * (an image's bytes: said to lack an image extension; a README: not an image). Beside a
 * metadata.csv, an unlisted image without an extension is named as an unlisted image, and a
 * README or notes file as harmless.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectJson } from '../../src-main/cli/inspect';
import { clearDatasetMemo, loadDataset } from '../../src-main/engine/datasets';
import { addExample } from '../../src-main/engine/datasets/local/folders';
import type { DatasetRefInput } from '../../src-shared/types';
import { classFolders, glyphPng } from '../fixtures/datasets';
import { makeTemp, rmTemp } from '../fixtures/generate';

let tmp: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-skipped-names-');
});
afterAll(async () => {
  await rmTemp(tmp);
});

const load = (p: string) => {
  clearDatasetMemo();
  return loadDataset({ id: 'local', path: p } as DatasetRefInput, { dataDir: tmp });
};

describe('skipped items are named', () => {
  it('Hugging Face imagefolder: unlabeled rows, unlisted images and a broken link each get a named example (inspect --json skippedFiles)', async () => {
    const root = path.join(tmp, 'hf');
    await fsp.mkdir(root);
    const rows = ['file_name,label'];
    for (let i = 0; i < 16; i++) {
      await fsp.writeFile(path.join(root, `img${i}.png`), await glyphPng(i % 2, 44, i));
      rows.push(`img${i}.png,${i < 5 ? '' : i % 2 ? 'cat' : 'dog'}`);
    }
    for (let i = 0; i < 7; i++) await fsp.writeFile(path.join(root, `extra${i}.png`), await glyphPng(0, 44, i));
    await fsp.writeFile(path.join(root, 'metadata.csv'), rows.join('\n') + '\n');
    await fsp.symlink(path.join(tmp, 'nowhere.png'), path.join(root, 'gone.png'));
    const d = await load(root);
    expect(d.report.skipped).toEqual({ unlabeled: 5, 'not listed in metadata.csv': 7, 'links to nothing (a broken symbolic link)': 1 });
    const named = d.report.skippedExamples ?? [];
    expect(named).toHaveLength(5);
    expect(named).toEqual(expect.arrayContaining(['img0.png: unlabeled', 'extra0.png: not listed in metadata.csv', 'gone.png: links to nothing (a broken symbolic link)']));
    const json = inspectJson({ report: d.report, info: d.info } as Parameters<typeof inspectJson>[0]);
    expect(json.skippedFiles).toEqual(named);
  });

  it('Hugging Face train/ + test/: a split without any label beside a labelled one has its rows named as unlabeled', async () => {
    const root = path.join(tmp, 'hf-splits');
    for (const [split, labelled] of [['train', true], ['test', false]] as const) {
      await fsp.mkdir(path.join(root, split), { recursive: true });
      const rows = ['file_name,label'];
      for (let i = 0; i < 8; i++) {
        await fsp.writeFile(path.join(root, split, `${i}.png`), await glyphPng(i % 2, 44, i));
        rows.push(`${i}.png,${labelled ? (i % 2 ? 'cat' : 'dog') : ''}`);
      }
      await fsp.writeFile(path.join(root, split, 'metadata.csv'), rows.join('\n') + '\n');
    }
    const d = await load(root).catch((e: Error) => e);
    const text = d instanceof Error ? d.message : [...(d.report.skippedExamples ?? [])].join('; ');
    expect(text).toContain('test/0.png: unlabeled');
  });

  it('class folders: a broken link and a link cycle are named with their paths', async () => {
    const root = path.join(tmp, 'links');
    await classFolders(root, ['a', 'b'], 6);
    await fsp.symlink(path.join(tmp, 'nowhere.png'), path.join(root, 'a', 'broken.png'));
    await fsp.symlink(root, path.join(root, 'b', 'loop'));
    await fsp.symlink(path.join(tmp, 'gone'), path.join(root, 'c'));
    const d = await load(root);
    expect(d.report.skipped).toEqual({ 'links to nothing (a broken symbolic link)': 2, 'in a symbolic-link cycle': 1 });
    expect(d.report.skippedExamples).toEqual(['c: links to nothing (a broken symbolic link)', 'a/broken.png: links to nothing (a broken symbolic link)', 'b/loop: in a symbolic-link cycle']);
  });

  it('a PNG without an extension is skipped as having no image extension, named', async () => {
    const root = path.join(tmp, 'noext');
    await classFolders(root, ['a', 'b'], 6);
    await fsp.writeFile(path.join(root, 'a', 'noext'), await glyphPng(0, 44, 9));
    await fsp.writeFile(path.join(root, 'b', 'notes.txt'), 'hello');
    await fsp.writeFile(path.join(root, 'b', 'README'), '# about these images');
    const d = await load(root);
    expect(d.report.skipped).toEqual({ 'no image extension (.png, .jpg, …)': 1, 'not an image file': 2 });
    expect(d.report.skippedExamples).toEqual(['a/noext: no image extension (.png, .jpg, …)', 'b/README: not an image file', 'b/notes.txt: not an image file']);
  });

  it('Hugging Face imagefolder: unlisted files without an extension are named — a PNG as an unlisted image, README and notes as harmless', async () => {
    const root = path.join(tmp, 'hf-noext');
    await fsp.mkdir(root);
    const rows = ['file_name,label'];
    for (let i = 0; i < 12; i++) {
      await fsp.writeFile(path.join(root, `img${i}.png`), await glyphPng(i % 2, 44, i));
      rows.push(`img${i}.png,${i % 2 ? 'cat' : 'dog'}`);
    }
    await fsp.writeFile(path.join(root, 'metadata.csv'), rows.join('\n') + '\n');
    await fsp.writeFile(path.join(root, 'README'), '# My digits\nA dataset card.\n');
    await fsp.writeFile(path.join(root, 'notes'), 'some notes');
    await fsp.writeFile(path.join(root, 'scan1'), await glyphPng(0, 44, 99));
    await fsp.writeFile(path.join(root, 'extra.png'), await glyphPng(1, 44, 98));
    await fsp.writeFile(path.join(root, 'photo.heic'), 'not decoded here');
    const d = await load(root);
    expect(d.train.count + d.test.count).toBe(12);
    expect(d.report.skipped).toEqual({ 'not listed in metadata.csv': 3, 'not an image (fine beside the data)': 2 });
    // The images come first: a README does not take the place of what a user may have meant to train on.
    expect(d.report.skippedExamples).toEqual([
      'extra.png: not listed in metadata.csv',
      'photo.heic: not listed in metadata.csv',
      'scan1: not listed in metadata.csv',
      'README: not an image (fine beside the data)',
      'notes: not an image (fine beside the data)',
    ]);
    expect(d.warnings!.join('\n')).toContain('skipped 5 items: 3 not listed in metadata.csv, 2 not an image (fine beside the data)');
  });

  for (const hf of [false, true]) {
    it(`${hf ? 'Hugging Face ' : ''}train/ + test/: what lies beside them — a val/ folder, a stray image, a README — is counted and named, not dropped`, async () => {
      const root = path.join(tmp, hf ? 'beside-hf' : 'beside');
      for (const [split, n] of [['train', 6], ['test', 3]] as const) {
        await classFolders(path.join(root, split), ['p', 'q'], n);
        if (hf) {
          const rows = ['file_name,label'];
          for (const c of ['p', 'q']) for (let i = 0; i < n; i++) rows.push(`${c}/${i}.png,${c}`);
          await fsp.writeFile(path.join(root, split, 'metadata.csv'), rows.join('\n'));
        }
      }
      await classFolders(path.join(root, 'val'), ['p'], 2);
      await fsp.writeFile(path.join(root, 'README.md'), '# card');
      await fsp.writeFile(path.join(root, 'extra.png'), await glyphPng(0, 44, 3));
      const d = await load(root);
      expect(d.report.split).toBe('given');
      expect(d.train.count + d.test.count).toBe(18);
      const other = hf ? 'not an image (fine beside the data)' : 'not an image file';
      expect(d.report.skipped).toEqual({ 'outside train/ and test/': 3, [other]: 1 });
      expect(d.report.skippedExamples).toEqual(['extra.png: outside train/ and test/', 'val/p/0.png: outside train/ and test/', 'val/p/1.png: outside train/ and test/', `README.md: ${other}`]);
    });
  }

  it('addExample keeps one example of every reason while there is room', () => {
    const ex: string[] = [];
    for (let i = 0; i < 5; i++) addExample(ex, `u${i}.png`, 'unlabeled');
    for (let i = 0; i < 41; i++) addExample(ex, `x${i}.png`, 'not listed in metadata.csv');
    expect(ex).toEqual(['u0.png: unlabeled', 'u1.png: unlabeled', 'u2.png: unlabeled', 'u3.png: unlabeled', 'x0.png: not listed in metadata.csv']);
  });
});
