/**
 * Several async iterables read at once, yielding each value as soon as its source has it. Each
 * source has at most one value pending (its `next()` in flight), so memory stays bounded by the
 * number of sources however long they are; a slow consumer slows every source down with it.
 *
 * The first source to throw ends the merge with its error; the others are closed (`return()`), so
 * their paging stops.
 */
export async function* mergeAsync<T>(sources: readonly AsyncIterable<T>[]): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  type Settled = { index: number; result: IteratorResult<T> };
  const pending = new Map<number, Promise<Settled>>();
  const pull = (index: number) => {
    const iterator = iterators[index] as AsyncIterator<T>;
    const next = iterator.next().then((result) => ({ index, result }));
    // A source that fails while another's value is being consumed must not go unhandled.
    next.catch(() => undefined);
    pending.set(index, next);
  };
  for (let index = 0; index < iterators.length; index++) pull(index);
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    // Ended early (an error, or the consumer stopped): stop the sources still paging.
    await Promise.allSettled([...pending.keys()].map((index) => iterators[index]?.return?.()));
  }
}
