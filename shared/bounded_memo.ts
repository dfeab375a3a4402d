/**
 * A memo that holds at most `max` values: on a miss while full it forgets
 * everything and starts over. Enough for caches whose keys seldom change (a
 * deployment's webhook secrets), and never a leak in a long-lived isolate.
 *
 * @module
 */
export class BoundedMemo<K, V> {
  readonly #values = new Map<K, V>();

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`a memo holds at least 1 value, got ${max}`);
    }
  }

  /** The value remembered for `key`, or `make(key)`, remembered from now on. */
  get(key: K, make: (key: K) => V): V {
    if (this.#values.has(key)) return this.#values.get(key) as V;
    if (this.#values.size >= this.max) this.#values.clear();
    const value = make(key);
    this.#values.set(key, value);
    return value;
  }

  /** How many values it holds now. */
  get size(): number {
    return this.#values.size;
  }
}
