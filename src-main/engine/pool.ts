/** The engine's one concurrency pool (dataset decoding, export PNG writers). */

/**
 * Run `fn` over `items` with at most `limit` calls in flight; results keep the input order.
 * After a call throws, no new item is started, and the first error is thrown only once every call
 * in flight has settled: a caller that cleans up on the error (removes a temp folder) never races
 * a call still writing into it.
 * @throws the first error a call threw.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed: { err: unknown } | null = null;
  const worker = async () => {
    while (next < items.length && !failed) {
      const i = next++;
      try {
        out[i] = await fn(items[i], i);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw (failed as { err: unknown }).err;
  return out;
}
