/**
 * Listing a user's folder: every file under it, recursively, with symbolic links followed (to
 * files and to folders) and cycles cut. Hidden and system entries (`.DS_Store`, `Thumbs.db`,
 * `__MACOSX`, `.ipynb_checkpoints`, any name starting with a dot) are ignored quietly; what
 * cannot be followed is counted by reason. Synchronous file-system calls in slices, with a turn
 * of the event loop between slices (a few times faster than one promise per entry).
 */
import { readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { throwIfAborted } from '../fsutil';
import { SKIP_SPECIAL, specialFileKind } from './fileKind';

const SYSTEM_NAMES = new Set(['thumbs.db', 'desktop.ini', 'ehthumbs.db', '__macosx', '$recycle.bin', 'system volume information', '.ipynb_checkpoints']);

/** True for names skipped quietly: hidden (dot) files and folders, OS and notebook litter. */
export function isHiddenName(name: string): boolean {
  return name.startsWith('.') || SYSTEM_NAMES.has(name.toLowerCase());
}

export interface FoundFile {
  /** Absolute path as reached (through links). */
  abs: string;
  /** Path relative to the listed root, with `/` separators. */
  rel: string;
  size: number;
  mtimeMs: number;
}

/** One entry that was skipped: its path relative to the listed root (`/` separators) and why. */
export interface SkippedEntry {
  rel: string;
  why: string;
}

export interface Listing {
  files: FoundFile[];
  /** What could not be followed, by reason ("in a symbolic-link cycle", "links to nothing (a broken symbolic link)", …). */
  skipped: Record<string, number>;
  /**
   * The first few of those (at most MAX_SKIP_EXAMPLES per reason), each with its path relative to the listed
   * root (`loop`, `a/broken.png`; `''` for the root itself) and why.
   */
  named: SkippedEntry[];
}

/** How many skipped files are named (the report's `skippedExamples`, the warning's "e.g."). */
export const MAX_SKIP_EXAMPLES = 5;

/** Entries handled between two turns of the event loop. */
const SLICE = 2000;

/** Skip reasons read right for any count ("3 in a symbolic-link cycle") and for one file ("loop: in a symbolic-link cycle"). */
export const SKIP_CYCLE = 'in a symbolic-link cycle';
export const SKIP_BROKEN_LINK = 'links to nothing (a broken symbolic link)';
export const SKIP_UNREADABLE = 'could not be read';

/**
 * Every non-hidden file under `root` (itself a folder), in a stable order (names sorted by code
 * unit within each folder). A link to a folder already on the way down (a cycle) is skipped and
 * counted, and so is one to a folder in `ancestors` (e.g. the dataset root above a class folder);
 * a folder reached again through another link is listed once.
 * @throws LabError CANCELLED when `signal` is aborted.
 */
export async function listFiles(root: string, signal?: AbortSignal, ancestors: string[] = []): Promise<Listing> {
  const files: FoundFile[] = [];
  const skipped: Record<string, number> = {};
  const named: SkippedEntry[] = [];
  const count = (why: string, rel: string) => {
    skipped[why] = (skipped[why] ?? 0) + 1;
    if (named.filter((e) => e.why === why).length < MAX_SKIP_EXAMPLES) named.push({ rel, why });
  };
  const seen = new Set<string>();
  let work = 0;
  const visit = async (dir: string, rel: string, chain: Set<string>): Promise<void> => {
    let real: string;
    let names: string[];
    try {
      real = realpathSync(dir);
      names = readdirSync(dir).filter((n) => !isHiddenName(n));
    } catch {
      count(SKIP_UNREADABLE, rel);
      return;
    }
    if (chain.has(real)) {
      count(SKIP_CYCLE, rel);
      return;
    }
    if (seen.has(real)) return; // the same folder through a second link: its files are listed once
    seen.add(real);
    const down = new Set(chain).add(real);
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      if (++work % SLICE === 0) {
        await new Promise<void>((r) => setImmediate(r));
        throwIfAborted(signal);
      }
      const abs = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      let st: Stats;
      try {
        st = statSync(abs);
      } catch {
        count(isLink(abs) ? SKIP_BROKEN_LINK : SKIP_UNREADABLE, r);
        continue;
      }
      if (st.isDirectory()) await visit(abs, r, down);
      else if (st.isFile()) files.push({ abs, rel: r, size: st.size, mtimeMs: st.mtimeMs });
      else if (specialFileKind(st)) count(SKIP_SPECIAL, r); // a pipe, socket or device: never opened
    }
  };
  await visit(root, '', new Set(ancestors.map((a) => realOr(a))));
  return { files, skipped, named };
}

function realOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function isLink(p: string): boolean {
  try {
    return readdirSync(path.dirname(p), { withFileTypes: true }).some((e) => e.name === path.basename(p) && e.isSymbolicLink());
  } catch {
    return false;
  }
}

/**
 * The immediate sub-folders of `root` (links to folders included), sorted naturally, hidden ones
 * left out; the non-hidden files directly in it; and the entries that could not be followed, by
 * reason (a broken link, say), the first few named.
 */
export function listTop(root: string): { dirs: string[]; files: string[]; skipped: Record<string, number>; named: SkippedEntry[] } {
  const dirs: string[] = [];
  const files: string[] = [];
  const skipped: Record<string, number> = {};
  const named: SkippedEntry[] = [];
  for (const name of readdirSync(root)) {
    if (isHiddenName(name)) continue;
    let st: Stats;
    try {
      st = statSync(path.join(root, name));
    } catch {
      const why = isLink(path.join(root, name)) ? SKIP_BROKEN_LINK : SKIP_UNREADABLE;
      skipped[why] = (skipped[why] ?? 0) + 1;
      if (named.filter((e) => e.why === why).length < MAX_SKIP_EXAMPLES) named.push({ rel: name, why });
      continue;
    }
    if (st.isDirectory()) dirs.push(name);
    else if (st.isFile()) files.push(name);
    else if (specialFileKind(st)) {
      // A pipe, socket or device: never opened, counted and named.
      skipped[SKIP_SPECIAL] = (skipped[SKIP_SPECIAL] ?? 0) + 1;
      if (named.filter((e) => e.why === SKIP_SPECIAL).length < MAX_SKIP_EXAMPLES) named.push({ rel: name, why: SKIP_SPECIAL });
    }
  }
  return { dirs: dirs.sort(naturalCompare), files: files.sort(naturalCompare), skipped, named };
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'variant' });

/** Natural order for names: numbers by value (`2` before `10`), then text; ties by code unit. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}
