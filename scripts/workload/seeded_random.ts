/**
 * A small seeded pseudo-random generator (mulberry32), so one seed always
 * plans the same day: a bug seen in `dev` can be replayed with its seed.
 *
 * @module
 */

/** Draws from one seeded stream. */
export interface SeededRandom {
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** A number in [min, max). */
  between(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element, chosen with the given weights. */
  weighted<T>(items: readonly T[], weightOf: (item: T) => number): T;
  /** `count` distinct indices in [0, length), ascending. */
  sample(length: number, count: number): number[];
}

/** A generator for `seed` (any integer; the same seed gives the same stream). */
export function seededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: SeededRandom = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    weighted(items, weightOf) {
      const total = items.reduce((sum, item) => sum + weightOf(item), 0);
      let pick = next() * total;
      for (const item of items) {
        pick -= weightOf(item);
        if (pick < 0) return item;
      }
      return items[items.length - 1];
    },
    sample(length, count) {
      const indices = Array.from({ length }, (_, i) => i);
      for (let i = 0; i < Math.min(count, length); i++) {
        const j = i + Math.floor(next() * (length - i));
        [indices[i], indices[j]] = [indices[j], indices[i]];
      }
      return indices.slice(0, Math.min(count, length)).sort((a, b) => a - b);
    },
  };
  return random;
}
