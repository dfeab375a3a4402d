/**
 * When an instance EC2 does not list counts as gone. EC2 is eventually
 * consistent ("Eventual consistency in the Amazon EC2 API", EC2 developer
 * guide): a new id can be InvalidInstanceID.NotFound for a while, and that
 * does not mean the instance does not exist. So one miss proves nothing. An
 * instance is gone only once it has been missed on several passes, spread
 * over at least a couple of minutes, and never while it is young. A
 * sighting in between starts the count again.
 */

/** How sure the reaper must be before it believes an instance has gone. */
export interface AbsencePolicy {
  now: number;
  /** Passes in a row that must miss it. */
  minMisses: number;
  /** Time from its first miss to now. */
  minAbsentMs: number;
  /** Age below which a miss is expected (its id has not propagated yet), so it is never gone. */
  minAgeMs: number;
}

/** The defaults: three misses over two minutes, never in its first five minutes. */
export const ABSENCE_DEFAULTS: Omit<AbsencePolicy, "now"> = {
  minMisses: 3,
  minAbsentMs: 2 * 60_000,
  minAgeMs: 5 * 60_000,
};

/** Since when, and how many passes in a row, one instance has been missed. */
export interface Absence {
  since: number;
  misses: number;
}

/** What one pass saw of an instance the books hold alive. */
export interface Sighting {
  id: string;
  launchedAt: number;
  /** The provider did not list it (or said it does not know it). */
  isMissing: boolean;
}

/**
 * Folds one pass's sightings into the absences so far. Returns the new
 * absences (only for ids seen this pass, so instances that left the books are
 * forgotten) and the ids now judged gone.
 */
export function recordSightings(
  previous: ReadonlyMap<string, Absence>,
  sightings: readonly Sighting[],
  policy: AbsencePolicy,
): { absences: Map<string, Absence>; gone: string[] } {
  const absences = new Map<string, Absence>();
  const gone: string[] = [];
  for (const sighting of sightings) {
    if (!sighting.isMissing) continue;
    const before = previous.get(sighting.id);
    const absence = before
      ? { since: before.since, misses: before.misses + 1 }
      : { since: policy.now, misses: 1 };
    absences.set(sighting.id, absence);
    if (
      absence.misses >= policy.minMisses &&
      policy.now - absence.since >= policy.minAbsentMs &&
      policy.now - sighting.launchedAt >= policy.minAgeMs
    ) {
      gone.push(sighting.id);
    }
  }
  return { absences, gone };
}

/**
 * The absences between passes, kept in memory by one reaper. A restarted
 * core starts counting again, which only delays a verdict.
 */
export class AbsenceBook {
  #absences = new Map<string, Absence>();

  /** Records one pass and returns the ids now judged gone. */
  observe(sightings: readonly Sighting[], policy: AbsencePolicy): string[] {
    const { absences, gone } = recordSightings(this.#absences, sightings, policy);
    this.#absences = absences;
    return gone;
  }
}
