/**
 * Runs `work` on every item with at most `concurrency` at once, answering the outcomes in the items' order.
 * `work` should not throw: a fan-out records each item's own failure instead of letting one hide the rest.
 * Once `signal` aborts, items not started yet are not started.
 */
export async function fanOut<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker));
  return results;
}
