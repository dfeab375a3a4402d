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

/** The users table, by the questions the edge asks of it. */
export interface UserStore {
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

function toView(row: typeof users.$inferSelect): UserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    createdAt: row.createdAt,
    lastLoginAt: row.lastLoginAt,
  };
}
