/**
 * Console users in libSQL. The password hash string carries its own salt and
 * cost (see edge/auth/password.ts), so `password_salt` stays empty.
 */
import { asc, eq, sql } from "drizzle-orm";
import { users } from "../../shared/db/schema.ts";
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

/** The users table, by the questions the edge asks of it. */
export interface UserStore {
  /** The user's current standing, or null when the row is gone. */
  standingOf(id: string): Promise<UserStanding | null>;
  /** Applies `change`; false when there is no such user. */
  update(id: string, change: UserChange): Promise<boolean>;
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
    async update(id, change) {
      const set = Object.fromEntries(
        Object.entries(change).filter(([, value]) => value !== undefined),
      ) as UserChange;
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

/** What a freshly created local user's view carries besides its own fields. */
const NEW_USER_STANDING = {
  isDisabled: false,
  sessionsNotBefore: null,
  ssoIssuer: null,
  allowsSsoLink: false,
} as const;

function toView(row: typeof users.$inferSelect): UserView {
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
