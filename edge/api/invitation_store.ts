/**
 * One-time invitation links in libSQL: the invited user is created at once,
 * without a password (so they cannot sign in), beside the hash of the
 * link's token; the link sets the password once. Until it has, the user can
 * be invited again (a lost or expired link): the new link replaces the old.
 */
import { and, eq, gt, inArray, isNull, sql } from "drizzle-orm";
import { userInvitations, users } from "../../shared/db/schema.ts";
import { ConflictError } from "../../shared/errors.ts";
import type { PendingInvitation, Role, UserView } from "../../shared/schema/console.ts";
import type { Database } from "./database.ts";
import { toView } from "./user_store.ts";

/** Who to invite; `email` already lower-cased. */
export interface Invitee {
  email: string;
  name?: string;
  role: Role;
}

/** What using a token came to. */
export type AcceptOutcome =
  | { outcome: "accepted"; userId: string; email: string }
  | { outcome: "unknown" }
  | { outcome: "used" }
  | { outcome: "expired" };

/** The invitations table, by the questions the edge asks of it. */
export interface InvitationStore {
  /**
   * Creates the user, without a password, and their invitation; for a user
   * invited before who has not set a password, a new invitation in place of
   * the unused ones (the user's role and name stay as they are).
   *
   * @throws {ConflictError} when the email belongs to a user who can sign in
   *   (a password, SSO) or who is disabled.
   */
  invite(
    invitee: Invitee,
    invitation: { tokenHash: string; at: number; expiresAt: number },
  ): Promise<{ user: UserView; isReissue: boolean }>;
  /**
   * Uses the invitation `tokenHash` at `at`: sets the user's password, once.
   * Of two uses at once, exactly one is accepted.
   */
  accept(tokenHash: string, change: { passwordHash: string; at: number }): Promise<AcceptOutcome>;
  /** Invitations not used and not expired at `at`. */
  pending(at: number): Promise<PendingInvitation[]>;
}

/** The {@link InvitationStore} over `db`. */
export function invitationStoreOf(db: Database): InvitationStore {
  return {
    async invite(invitee, invitation) {
      const id = crypto.randomUUID();
      // Who may get a link: the new user, or one invited before who never set a password.
      const invitable = and(
        eq(users.email, invitee.email),
        isNull(users.passwordHash),
        isNull(users.ssoIssuer),
        eq(users.isDisabled, false),
      );
      const [, , issued] = await db.batch([
        db.insert(users).values({
          id,
          email: invitee.email,
          name: invitee.name ?? null,
          role: invitee.role,
          passwordHash: null,
          createdAt: invitation.at,
        }).onConflictDoNothing({ target: users.email }),
        db.delete(userInvitations).where(and(
          isNull(userInvitations.usedAt),
          inArray(userInvitations.userId, db.select({ id: users.id }).from(users).where(invitable)),
        )),
        db.insert(userInvitations).select(
          db.select({
            tokenHash: sql`${invitation.tokenHash}`.as("token_hash"),
            userId: users.id,
            createdAt: sql`${invitation.at}`.as("created_at"),
            expiresAt: sql`${invitation.expiresAt}`.as("expires_at"),
            usedAt: sql`NULL`.as("used_at"),
          }).from(users).where(invitable),
        ),
      ]);
      if (issued.rowsAffected === 0) {
        throw new ConflictError(
          `a user with email ${invitee.email} exists and can sign in, or is disabled`,
        );
      }
      const [row] = await db.select().from(users).where(eq(users.email, invitee.email));
      return { user: toView(row), isReissue: row.id !== id };
    },
    async accept(tokenHash, change) {
      // The password is set only by the statement that marked the invitation used.
      const [used] = await db.batch([
        db.update(userInvitations).set({ usedAt: change.at }).where(and(
          eq(userInvitations.tokenHash, tokenHash),
          isNull(userInvitations.usedAt),
          gt(userInvitations.expiresAt, change.at),
        )),
        db.update(users).set({ passwordHash: change.passwordHash }).where(and(
          sql`changes() = 1`,
          eq(
            users.id,
            sql`(SELECT user_id FROM user_invitations WHERE token_hash = ${tokenHash})`,
          ),
        )),
      ]);
      const [row] = await db.select({
        userId: userInvitations.userId,
        usedAt: userInvitations.usedAt,
        email: users.email,
      }).from(userInvitations).innerJoin(users, eq(users.id, userInvitations.userId))
        .where(eq(userInvitations.tokenHash, tokenHash)).limit(1);
      if (!row) return { outcome: "unknown" };
      if (used.rowsAffected > 0) {
        return { outcome: "accepted", userId: row.userId, email: row.email };
      }
      return row.usedAt !== null ? { outcome: "used" } : { outcome: "expired" };
    },
    async pending(at) {
      return await db.select({
        userId: userInvitations.userId,
        expiresAt: userInvitations.expiresAt,
      })
        .from(userInvitations)
        .where(and(isNull(userInvitations.usedAt), gt(userInvitations.expiresAt, at)));
    },
  };
}
