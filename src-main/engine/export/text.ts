/** Text fields of the exports' CSV/TSV files. */

/** Shortest decimal that round-trips a float32 (≤ 9 significant digits). */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  for (let p = 6; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === Math.fround(v)) return String(Number(s));
  }
  return String(v);
}

export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function tsvField(s: string): string {
  return s.replace(/[\t\r\n]+/g, ' ');
}
