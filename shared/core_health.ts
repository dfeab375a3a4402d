/**
 * Whether a core is down: it has not leased for {@link CORE_DOWN_AFTER_MS}.
 * A core reports how long ago it last leased on each control call; one that
 * stopped calling is judged by its last report, so silence counts as down too.
 *
 * @module
 */
import type { CoreHealthView } from "./schema/control.ts";

/** A core silent (no lease) for longer than this shows as down. */
export const CORE_DOWN_AFTER_MS = 60_000;

/** What the edge keeps of a core's last control call. */
export interface CoreHeartbeat {
  coreId: string;
  version: string | null;
  seenAt: number;
  leasedAt: number | null;
}

/** A core's health at `now`. */
export function coreHealthOf(beat: CoreHeartbeat, now: number): CoreHealthView {
  const lastAlive = beat.leasedAt ?? beat.seenAt;
  const silentMs = Math.max(0, now - lastAlive);
  const isDown = silentMs > CORE_DOWN_AFTER_MS;
  return {
    coreId: beat.coreId,
    version: beat.version,
    seenAt: beat.seenAt,
    leasedAt: beat.leasedAt,
    isDown,
    downForSeconds: isDown ? Math.floor(silentMs / 1000) : null,
  };
}
