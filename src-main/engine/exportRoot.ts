/**
 * The default export root the UI suggests (`EngineInfo.exportRoot`): a "Latent Lab exports" folder
 * in the user's Documents folder when there is one, else in the home folder, else in the temp
 * folder — the first that is outside the workspace (exports never write inside it: issue #16).
 * Nothing is created here; the export creates its destination.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const EXPORTS_FOLDER = 'Latent Lab exports';

/** true when `child` is `parent` or inside it (lexically, on resolved paths). */
function within(child: string, parent: string): boolean {
  const rel = path.relative(path.resolve(parent), path.resolve(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * The suggested export root for `workspace`. `home` and `tmp` are for tests. The answer is never
 * at, inside or above the workspace.
 */
export function suggestExportRoot(workspace: string, home = os.homedir(), tmp = os.tmpdir()): string {
  const candidates = [path.join(home, 'Documents'), home, tmp]
    .filter((dir, i) => i > 0 || existsSync(dir))
    .map((dir) => path.join(dir, EXPORTS_FOLDER));
  for (const c of candidates) if (!within(c, workspace) && !within(workspace, c)) return c;
  // The workspace holds home and tmp (e.g. a workspace at "/"): beside it is all that is left.
  return path.join(path.dirname(path.resolve(workspace)), `${path.basename(path.resolve(workspace))} exports`);
}
