/**
 * The launcher's three kinds of waiting, each keyed by what it is about:
 * a job that got no machine waits before it is admitted again; a launch
 * call whose outcome was unknown is replayed after a backoff; a placement
 * that had no capacity is left out of its batch key's launches for a while.
 */

/** Per job: launches that got it no machine, and when it may be admitted again. */
export class JobBackoff {
  readonly #jobs = new Map<string, { failures: number; until: number; unknown: number }>();

  /** Whether the job's backoff (if any) has run out by `at`. */
  mayRetry(jobId: string, at: number): boolean {
    return (this.#jobs.get(jobId)?.until ?? 0) <= at;
  }

  /** The most times any of these jobs already retried an unclassified error. */
  unknownRetriesOf(jobIds: readonly string[]): number {
    return Math.max(0, ...jobIds.map((id) => this.#jobs.get(id)?.unknown ?? 0));
  }

  /**
   * Counts one more launch that gave the job no machine and returns its
   * delay; `delayOf` turns the failure count into milliseconds.
   */
  failed(
    jobId: string,
    options: { at: number; isUnknown: boolean; delayOf: (failures: number) => number },
  ): number {
    const before = this.#jobs.get(jobId);
    const failures = (before?.failures ?? 0) + 1;
    const delay = options.delayOf(failures);
    const unknown = (before?.unknown ?? 0) + (options.isUnknown ? 1 : 0);
    this.#jobs.set(jobId, { failures, until: options.at + delay, unknown });
    return delay;
  }

  /** Jobs still backing off at `at` (a metric). */
  waitingAt(at: number): number {
    let waiting = 0;
    for (const job of this.#jobs.values()) if (job.until > at) waiting++;
    return waiting;
  }

  /** The job launched or failed for good: its count starts again. */
  forget(jobId: string): void {
    this.#jobs.delete(jobId);
  }
}

/** Per client token: how often a call whose outcome was unknown has been tried. */
export class ClientTokenBackoff {
  readonly #tries = new Map<string, number>();

  /** The number of this try of the call, counting the one that just failed. */
  triesOf(clientToken: string): number {
    return (this.#tries.get(clientToken) ?? 0) + 1;
  }

  record(clientToken: string, tries: number): void {
    this.#tries.set(clientToken, tries);
  }

  /** The call settled (launched, or failed for good). */
  forget(clientToken: string): void {
    this.#tries.delete(clientToken);
  }
}

/** Per batch key: placements (a bit mask over the pool's placements) to leave out, until when. */
export class PlacementExclusions {
  readonly #keys = new Map<string, { mask: bigint; until: number }>();

  /** The mask in force for `key` at `at`; none once expired or when the pool's placements changed. */
  maskOf(key: string, options: { placements: number; at: number }): bigint {
    const exclusion = this.#keys.get(key);
    return exclusion && exclusion.until > options.at &&
        exclusion.mask < 1n << BigInt(options.placements)
      ? exclusion.mask
      : 0n;
  }

  exclude(key: string, mask: bigint, until: number): void {
    this.#keys.set(key, { mask, until });
  }

  /** A launch for the key succeeded: every placement is tried again. */
  forget(key: string): void {
    this.#keys.delete(key);
  }
}
