/**
 * Whether a verified session's user may still act, read from the user's
 * current row: it exists, is not disabled, and the session was issued after
 * any "sign out everywhere". The role is the row's, not the token's, so a
 * demotion or a lost admin group takes effect within {@link STANDING_TRUST_MS}.
 *
 * An isolate keeps each answer for a few seconds, so the requests a console
 * page fires together cost one read; an admin's change through this isolate
 * forgets the entry at once.
 */
import { UnauthorizedError } from "../../shared/errors.ts";
import type { UserStanding, UserStore } from "../api/user_store.ts";

/** How long an isolate trusts a user's row. */
export const STANDING_TRUST_MS = 5_000;
const MAX_CACHED = 1_000;
const cached = new Map<string, { standing: UserStanding | null; until: number }>();

/** Forgets what this isolate knows of `userId` (after an admin changed it). */
export function forgetStanding(userId: string): void {
  cached.delete(userId);
}

/**
 * The standing of the user `userId` whose session was issued at `issuedAtMs`.
 *
 * @throws {UnauthorizedError} when the user is gone, disabled, or their
 *   sessions were ended after this one was issued.
 */
export async function currentStanding(
  users: UserStore,
  session: { userId: string; issuedAtMs: number },
  now = Date.now(),
): Promise<UserStanding> {
  let entry = cached.get(session.userId);
  if (!entry || entry.until <= now) {
    const standing = await users.standingOf(session.userId);
    if (cached.size >= MAX_CACHED) cached.clear();
    entry = { standing, until: now + STANDING_TRUST_MS };
    cached.set(session.userId, entry);
  }
  const { standing } = entry;
  if (!standing) throw new UnauthorizedError("this account no longer exists; sign in again");
  if (standing.isDisabled) {
    throw new UnauthorizedError("this account is disabled; ask an administrator");
  }
  if (standing.sessionsNotBefore !== null && session.issuedAtMs < standing.sessionsNotBefore) {
    throw new UnauthorizedError(
      "a password change or an administrator ended this session; sign in again",
    );
  }
  return standing;
}
