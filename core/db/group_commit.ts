/**
 * Group commit: writes submitted while one is in flight wait and go
 * together in the next, so a burst of small writes costs a few round trips
 * and commits instead of one each, with no added wait when writes are rare.
 * A failed write fails every submission it carried (each caller retries
 * its own, as it would have alone).
 */
export class GroupCommit<T, R> {
  #waiting: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  #isWriting = false;

  /** `write` gets the items in submission order and returns one result per item. */
  constructor(
    readonly write: (items: T[]) => Promise<R[]>,
    readonly maxBatch = 500,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#isWriting) this.#writeWaiting();
    });
  }

  async #writeWaiting(): Promise<void> {
    this.#isWriting = true;
    // Callers that submit in the same turn (handlers started together) share the first write.
    await Promise.resolve();
    while (this.#waiting.length > 0) {
      const group = this.#waiting.splice(0, this.maxBatch);
      try {
        const results = await this.write(group.map((w) => w.item));
        group.forEach((w, i) => w.resolve(results[i]));
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    this.#isWriting = false;
  }
}
