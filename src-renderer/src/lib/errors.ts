/** Human text for an error thrown by `api.invoke` (an Error with `.code`). */
export function errorCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) return String((err as { code: unknown }).code);
  return undefined;
}

export function errorText(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'NO_MODEL':
      return 'No model yet: train one or open a saved run.';
    case 'ENGINE_DOWN':
      return 'The engine is not running. Restart it from the status bar.';
    case 'BUSY':
      return `The engine is busy: ${message}`;
    default:
      return message || code || 'Something went wrong.';
  }
}
