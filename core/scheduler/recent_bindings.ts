/**
 * The bindings admission just read, kept for a moment so that the launch call
 * made right after it does not read the same rows again: one libSQL round trip
 * less on a lone job's path from webhook to EC2. Admission always reads fresh;
 * only the launch call takes a binding read within the last {@link maxAgeMs}.
 */
import type { Binding, Store } from "../db/store.ts";

/** How old a binding the launch call may reuse is; a config change reaches launches this late. */
export const RECENT_BINDING_MS = 1_000;

export class RecentBindings {
  readonly #byRepo = new Map<string, { binding: Binding | null; at: number }>();

  constructor(
    readonly store: Pick<Store, "bindingOf">,
    readonly now: () => number,
    readonly maxAgeMs = RECENT_BINDING_MS,
  ) {}

  /** Reads `repo`'s binding from the database and keeps it. */
  async read(repo: string): Promise<Binding | null> {
    const binding = await this.store.bindingOf(repo);
    const at = this.now();
    // Bounded by the repos read within the last moment: older ones go as new ones come.
    for (const [key, entry] of this.#byRepo) {
      if (at - entry.at > this.maxAgeMs) this.#byRepo.delete(key);
    }
    this.#byRepo.set(repo, { binding, at });
    return binding;
  }

  /** `repo`'s binding as read at most {@link maxAgeMs} ago, else read now. */
  recent(repo: string): Promise<Binding | null> {
    const kept = this.#byRepo.get(repo);
    if (kept && this.now() - kept.at <= this.maxAgeMs) return Promise.resolve(kept.binding);
    return this.read(repo);
  }

  /** How many bindings are kept (for tests: the map stays bounded). */
  get size(): number {
    return this.#byRepo.size;
  }
}
