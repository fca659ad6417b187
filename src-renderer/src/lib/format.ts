export function fmtNum(x: number | null | undefined, digits = 3): string {
  if (x == null || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential(2);
  return x.toFixed(a >= 100 ? 1 : digits);
}

export function fmtInt(x: number | null | undefined): string {
  if (x == null || !Number.isFinite(x)) return '—';
  return Math.round(x).toLocaleString('en-US');
}

export function fmtDuration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * A remaining time for a narrow place (the status bar): "<1 min left", "~9 min left",
 * "~1 h 20 min left" (whole minutes, rounded); '' without an estimate (null, NaN, negative).
 */
export function fmtEtaShort(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return '<1 min left';
  const m = Math.round(seconds / 60);
  if (m < 60) return `~${m} min left`;
  return `~${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''} left`;
}

/** The same in full words, for a tooltip: "about 9 minutes left", "under a minute left"; '' without one. */
export function fmtEtaLong(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return 'under a minute left';
  const m = Math.round(seconds / 60);
  if (m < 60) return `about ${m} minute${m === 1 ? '' : 's'} left`;
  const h = Math.floor(m / 60);
  const r = m % 60;
  return `about ${h} hour${h === 1 ? '' : 's'}${r ? ` ${r} minute${r === 1 ? '' : 's'}` : ''} left`;
}

export function fmtDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function fmtVector(v: ArrayLike<number>, digits = 2): string {
  return Array.from(v, (x) => x.toFixed(digits)).join(', ');
}

// A model kind and a run's model as the app names them (the run list, Compare, a run's default name): one rule, shared with the engine.
export { kindName, modelName } from '../../../src-shared/runNames';
