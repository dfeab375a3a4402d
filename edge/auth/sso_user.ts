/**
 * The users row of someone who signed in with SSO: created on their first
 * sign-in (no password, so local sign-in stays closed to them), its last
 * sign-in time kept. For SSO-only users the stored role follows the
 * provider's groups; a local account's role is left as an admin set it.
 */
import { sql } from "drizzle-orm";
import type { Role } from "../../shared/schema/console.ts";
import type { Database } from "../api/database.ts";

/** Records the SSO sign-in of `email` with `role`; returns the user's id. */
export async function recordSsoUser(
  db: Database,
  user: { email: string; name: string | null; role: Role },
  at: number,
): Promise<string> {
  // One statement, so two first sign-ins at once cannot create two rows.
  const result = await db.run(sql`
    INSERT INTO users (id, email, name, role, created_at, last_login_at)
    VALUES (${crypto.randomUUID()}, ${user.email}, ${user.name}, ${user.role}, ${at}, ${at})
    ON CONFLICT (email) DO UPDATE SET
      last_login_at = excluded.last_login_at,
      role = CASE WHEN users.password_hash IS NULL THEN excluded.role ELSE users.role END
    RETURNING id`);
  const id = result.rows[0]?.id;
  if (typeof id !== "string") throw new Error("users upsert returned no id");
  return id;
}
