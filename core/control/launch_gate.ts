/**
 * The operator's holds on launching, as the edge last told this core:
 * paused (nothing launches) and drained pools (their jobs stay queued;
 * machines already running finish their jobs). Kept from the last answer
 * while the edge cannot be reached.
 */

/** What the launcher asks. */
export interface LaunchGateView {
  mayLaunch(poolId: string): boolean;
}

export class LaunchGate implements LaunchGateView {
  #isPaused = false;
  #drained = new Set<string>();

  /** The holds from the edge's answer; true when they changed. */
  update(holds: { isPaused: boolean; drainedPools: readonly string[] }): boolean {
    const drained = new Set(holds.drainedPools);
    const isChanged = holds.isPaused !== this.#isPaused || drained.size !== this.#drained.size ||
      [...drained].some((pool) => !this.#drained.has(pool));
    this.#isPaused = holds.isPaused;
    this.#drained = drained;
    return isChanged;
  }

  mayLaunch(poolId: string): boolean {
    return !this.#isPaused && !this.#drained.has(poolId);
  }

  get isPaused(): boolean {
    return this.#isPaused;
  }

  get drainedPools(): string[] {
    return [...this.#drained];
  }
}
