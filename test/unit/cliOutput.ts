/**
 * The CLI's stderr lines, without the collapse warning a tiny test model may earn (whether a
 * 1–3-epoch model on a few dozen images collapses depends on the seed and the machine's float
 * order; the warning itself is tested in cli-colour.test.ts and the engine tests), and without the
 * few-optimiser-steps notice every such short test run earns (tested in start-checks.test.ts).
 */
export function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: this run collapsed') && !l.startsWith('warning: this run takes only'));
}
