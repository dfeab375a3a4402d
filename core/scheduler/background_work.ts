/**
 * The launcher's work in the background: calls in flight and timers that
 * poke it later. Stopping cancels the timers and takes no new work; what
 * is in flight is awaited, not abandoned.
 */
export class BackgroundWork {
  readonly #inFlight = new Set<Promise<void>>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #isStopped = false;

  get isStopped(): boolean {
    return this.#isStopped;
  }

  get isBusy(): boolean {
    return this.#inFlight.size > 0;
  }

  /** Keeps `run` until it ends, so a drain waits for it. */
  track(run: Promise<void>): void {
    this.#inFlight.add(run);
    run.finally(() => this.#inFlight.delete(run));
  }

  /** Runs `then` after `ms`, unless stopped first. */
  later(ms: number, then: () => void): void {
    if (this.#isStopped) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      then();
    }, ms);
    this.#timers.add(timer);
  }

  /** Takes no new work and cancels the timers. */
  stop(): void {
    this.#isStopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
  }

  /** Resolves once nothing is in flight, including work started meanwhile. */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}

/**
 * What this process has in hand, so a sweep leaves it be: jobs gathering or
 * in a call, and launch calls in flight or waiting to be replayed.
 */
export class LaunchHolds {
  /** Job ids. */
  readonly jobs = new Set<string>();
  /** Client tokens. */
  readonly calls = new Set<string>();
}
