/**
 * Console users in libSQL. The password hash string carries its own salt and
 * cost (see edge/auth/password.ts), so `password_salt` stays empty.
 *
 * The deployment never loses its last enabled admin: a change or delete that
 * would leave none is refused in the same statement that makes it, so two
 * admins demoting each other at once cannot both succeed.
 */
import { asc, eq, sql } from "drizzle-orm";
import { userInvitations, users } from "../../shared/db/schema.ts";
import { ConflictError } from "../../shared/errors.ts";
import type { Role, UserView } from "../../shared/schema/console.ts";
import type { Database } from "./database.ts";

/** A user with the stored password hash: stays inside the edge. */
export interface UserRecord extends UserView {
  passwordHash: string | null;
}

/** A user to create; `email` already lower-cased. */
export interface NewUser {
  email: string;
  name?: string;
  role: Role;
  passwordHash: string;
}

/** What every request checks about the signed-in user (operator_session.ts). */
export interface UserStanding {
  id: string;
  email: string;
  role: Role;
  isDisabled: boolean;
  /** Sessions issued before this (epoch ms) are refused; null for none. */
  sessionsNotBefore: number | null;
}

/** What an admin may change about a user. */
export interface UserChange {
  role?: Role;
  isDisabled?: boolean;
  allowsSsoLink?: boolean;
}

/**
 * What a guarded change or delete came to: done (with the user as it was
 * before), no such user, or refused because it would leave no enabled admin.
 */
export type GuardedOutcome =
  | { outcome: "done"; before: UserView }
  | { outcome: "not_found" }
  | { outcome: "last_admin" };

/** The users table, by the questions the edge asks of it. */
export interface UserStore {
  /** The user's current standing, or null when the row is gone. */
  standingOf(id: string): Promise<UserStanding | null>;
  /** The user with their password hash, or null. */
  findById(id: string): Promise<UserRecord | null>;
  /** Applies `change`; false when there is no such user. */
  update(id: string, change: UserChange): Promise<boolean>;
  /** Applies `change` unless it would disable or demote the last enabled admin. */
  updateKeepingAnAdmin(id: string, change: UserChange): Promise<GuardedOutcome>;
  /** Deletes the user and their invitations unless they are the last enabled admin. */
  delete(id: string): Promise<GuardedOutcome>;
  /** Sets the password and refuses the user's sessions issued before `sessionsNotBefore`. */
  setPassword(
    id: string,
    change: { passwordHash: string; sessionsNotBefore: number },
  ): Promise<boolean>;
  /** Refuses every session of the user issued before `at` (epoch ms); false when no such user. */
  endSessionsBefore(id: string, at: number): Promise<boolean>;
  findByEmail(email: string): Promise<UserRecord | null>;
  /** Creates `user` as an admin only while no user exists; null when one does. */
  createFirstAdmin(user: Omit<NewUser, "role">, at: number): Promise<UserView | null>;
  /** @throws {ConflictError} when the email is taken. */
  create(user: NewUser, at: number): Promise<UserView>;
  list(): Promise<UserView[]>;
  recordLogin(id: string, at: number): Promise<void>;
}

/** The {@link UserStore} over `db`. */
export function userStoreOf(db: Database): UserStore {
  return {
    async standingOf(id) {
      const [row] = await db.select({
        id: users.id,
        email: users.email,
        role: users.role,
        isDisabled: users.isDisabled,
        sessionsNotBefore: users.sessionsNotBefore,
      }).from(users).where(eq(users.id, id)).limit(1);
      return row ?? null;
    },
    async findById(id) {
      const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
      return row ? { ...toView(row), passwordHash: row.passwordHash } : null;
    },
    async updateKeepingAnAdmin(id, change) {
      const before = await this.findById(id);
      if (!before) return { outcome: "not_found" };
      const set = definedOf(change);
      if (Object.keys(set).length === 0) return { outcome: "done", before: toPublic(before) };
      const removesAdmin = set.role === "viewer" || set.isDisabled === true;
      const result = await db.update(users).set(set)
        .where(removesAdmin ? sql`${users.id} = ${id} AND ${keepsAnAdmin(id)}` : eq(users.id, id));
      if (result.rowsAffected > 0) return { outcome: "done", before: toPublic(before) };
      return await this.standingOf(id) ? { outcome: "last_admin" } : { outcome: "not_found" };
    },
    async delete(id) {
      const before = await this.findById(id);
      if (!before) return { outcome: "not_found" };
      const [removed] = await db.batch([
        db.delete(users).where(sql`${users.id} = ${id} AND ${keepsAnAdmin(id)}`),
        db.delete(userInvitations).where(
          sql`${userInvitations.userId} = ${id} AND NOT EXISTS (SELECT 1 FROM users WHERE id = ${id})`,
        ),
      ]);
      if (removed.rowsAffected > 0) return { outcome: "done", before: toPublic(before) };
      return await this.standingOf(id) ? { outcome: "last_admin" } : { outcome: "not_found" };
    },
    async setPassword(id, change) {
      const result = await db.update(users).set(change).where(eq(users.id, id));
      return result.rowsAffected > 0;
    },
    async update(id, change) {
      const set = definedOf(change);
      if (Object.keys(set).length === 0) return (await this.standingOf(id)) !== null;
      const result = await db.update(users).set(set).where(eq(users.id, id));
      return result.rowsAffected > 0;
    },
    async endSessionsBefore(id, at) {
      const result = await db.update(users).set({ sessionsNotBefore: at }).where(eq(users.id, id));
      return result.rowsAffected > 0;
    },
    async findByEmail(email) {
      const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
      return row ? { ...toView(row), passwordHash: row.passwordHash } : null;
    },
    async createFirstAdmin(user, at) {
      const id = crypto.randomUUID();
      // One statement, so two racing bootstraps cannot both find the table empty.
      const result = await db.run(sql`
        INSERT INTO users (id, email, name, role, password_hash, created_at)
        SELECT ${id}, ${user.email}, ${user.name ?? null}, 'admin', ${user.passwordHash}, ${at}
        WHERE NOT EXISTS (SELECT 1 FROM users)`);
      if (result.rowsAffected === 0) return null;
      return {
        id,
        email: user.email,
        name: user.name ?? null,
        role: "admin",
        createdAt: at,
        lastLoginAt: null,
        ...NEW_USER_STANDING,
      };
    },
    async create(user, at) {
      const id = crypto.randomUUID();
      const result = await db.insert(users).values({
        id,
        email: user.email,
        name: user.name ?? null,
        role: user.role,
        passwordHash: user.passwordHash,
        createdAt: at,
      }).onConflictDoNothing({ target: users.email });
      if (result.rowsAffected === 0) {
        throw new ConflictError(`a user with email ${user.email} exists`);
      }
      return {
        id,
        email: user.email,
        name: user.name ?? null,
        role: user.role,
        createdAt: at,
        lastLoginAt: null,
        ...NEW_USER_STANDING,
      };
    },
    async list() {
      return (await db.select().from(users).orderBy(asc(users.email))).map(toView);
    },
    async recordLogin(id, at) {
      await db.update(users).set({ lastLoginAt: at }).where(eq(users.id, id));
    },
  };
}

/** The fields of `change` that are set. */
function definedOf(change: UserChange): UserChange {
  return Object.fromEntries(
    Object.entries(change).filter(([, value]) => value !== undefined),
  ) as UserChange;
}

/**
 * True for a row that is not an enabled admin, or while another enabled
 * admin who can sign in exists (a password or an SSO identity: an invitee
 * who never used the link cannot): when the row may stop being one.
 */
function keepsAnAdmin(id: string) {
  return sql`(NOT (${users.role} = 'admin' AND ${users.isDisabled} = 0) OR EXISTS (
    SELECT 1 FROM users AS other
    WHERE other.role = 'admin' AND other.is_disabled = 0 AND other.id <> ${id}
      AND (other.password_hash IS NOT NULL OR other.sso_subject IS NOT NULL)))`;
}

/** A record without its password hash. */
function toPublic(record: UserRecord): UserView {
  const { passwordHash: _hash, ...view } = record;
  return view;
}

/** What a freshly created local user's view carries besides its own fields. */
const NEW_USER_STANDING = {
  isDisabled: false,
  sessionsNotBefore: null,
  ssoIssuer: null,
  allowsSsoLink: false,
} as const;

export function toView(row: typeof users.$inferSelect): UserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.createdAt,
    lastLoginAt: row.lastLoginAt,
    isDisabled: row.isDisabled,
    sessionsNotBefore: row.sessionsNotBefore,
    ssoIssuer: row.ssoIssuer,
    allowsSsoLink: row.allowsSsoLink,
  };
}
