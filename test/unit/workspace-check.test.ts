/**
 * A workspace that cannot be used is refused in one line before anything is announced or started
 * (report-fresh3 7d): `--workspace <a file>` made the server print "Latent Lab is running at …",
 * then the engine died with an ENOTDIR stack; the CLI said only "ENOTDIR: not a directory, mkdir
 * '…/runs'". The server, the CLI and Engine.create check it with one rule (src-main/workspace.ts).
 */
import { execFile } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src-main/engine/engine';
import { workspaceProblem, workspaceRefusal, workspaceSource } from '../../src-main/workspace';
import { LabError } from '../../src-shared/types';
import { makeTemp, rmTemp } from '../fixtures/generate';
import { repoRoot, runCli, tsxBin } from './cliOutput';

let tmp: string;
let file: string;
beforeAll(async () => {
  tmp = await makeTemp('ll-workspace-check-');
  file = path.join(tmp, 'notes.txt');
  await fsp.writeFile(file, 'my notes');
});
afterAll(async () => {
  await rmTemp(tmp);
});

describe('workspaceProblem: one rule', () => {
  it('a folder, or a missing one under a folder, is fine; a file, a path under a file, a file named runs are named', async () => {
    expect(workspaceProblem(tmp)).toBeNull();
    expect(workspaceProblem(path.join(tmp, 'new', 'deeper'))).toBeNull();
    expect(workspaceProblem(file)).toBe(`${file} is a file, not a folder`);
    expect(workspaceProblem(path.join(file, 'ws'))).toBe(`${path.join(file, 'ws')} cannot be created: ${file} is a file, not a folder`);
    const ws = path.join(tmp, 'runs-is-a-file');
    await fsp.mkdir(ws);
    await fsp.writeFile(path.join(ws, 'runs'), '');
    expect(workspaceProblem(ws)).toBe(`${path.join(ws, 'runs')} is a file, where the workspace keeps its runs folder`);
    expect(workspaceProblem('/dev/null')).toBe('/dev/null is not a folder (a device, a pipe, or a path that cannot be read)');
  });

  it('the refusal names what gave the path', () => {
    expect(workspaceRefusal(file, '--workspace')).toBe(`the workspace (--workspace) ${file} is a file, not a folder: give a folder (a missing one is created)`);
    expect(workspaceSource('/x', {})).toBe('--workspace');
    expect(workspaceSource(undefined, { LATENT_LAB_HOME: '/x' })).toBe('LATENT_LAB_HOME');
    expect(workspaceSource(undefined, {})).toBe('the default');
  });

  it('Engine.create refuses a file as its workspace with that line (IO), writing nothing', async () => {
    const err = await Engine.create({ workspace: file, emit: () => undefined }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LabError);
    expect((err as LabError).code).toBe('IO');
    expect((err as LabError).message).toBe(`the workspace ${file} is a file, not a folder: give a folder (a missing one is created)`);
    expect(await fsp.readFile(file, 'utf8')).toBe('my notes');
  });
});

describe('the CLI and the server refuse it in one line, before announcing anything', () => {
  it('CLI: --workspace <a file> and LATENT_LAB_HOME=<a file>: one line, exit 1, no stack', async () => {
    const r = await runCli(['info', '--workspace', file], { home: tmp });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`latent-lab: the workspace (--workspace) ${file} is a file, not a folder: give a folder (a missing one is created)\n`);
    const env = await runCli(['info'], { home: file });
    expect(env.stderr).toBe(`latent-lab: the workspace (LATENT_LAB_HOME) ${file} is a file, not a folder: give a folder (a missing one is created)\n`);
  });

  it('server: --workspace <a file> exits 2 with one line and never says "running at"', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(tsxBin, [path.join(repoRoot, 'src-main', 'server', 'main.ts'), '--no-open', '--port', '0', '--workspace', file], { cwd: repoRoot, timeout: 60_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`latent-lab-server: the workspace (--workspace) ${file} is a file, not a folder: give a folder (a missing one is created)\n`);
  });
});
