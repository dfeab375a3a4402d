/**
 * The users row of someone who signed in with SSO, found by their identity
 * at the provider — `(issuer, sub)`, which the provider never reassigns —
 * never by email alone, which a provider may let anyone set.
 *
 * - A known identity signs in to its own row. For SSO-only users (no
 *   password) the stored role follows the provider's groups at every
 *   sign-in, so someone who left the admin group is a viewer from then on;
 *   a local account's role stays as an admin set it.
 * - A new identity whose email no user has gets a new row (no password, so
 *   local sign-in stays closed to it).
 * - A new identity whose email an existing user has is attached to that
 *   user only when an admin allowed it (`allows_sso_link`, used once), or
 *   when the row is an SSO user from before identities were recorded (no
 *   password, no identity). Otherwise the sign-in is refused.
 */
import { sql } from "drizzle-orm";
import type { Role } from "../../shared/schema/console.ts";
import type { Database } from "../api/database.ts";

/** Who signed in, as the verified ID token says. */
export interface SsoIdentity {
  issuer: string;
  subject: string;
  email: string;
  name: string | null;
  /** The role the provider's groups give. */
  role: Role;
}

/** The user an SSO sign-in is for, or why there is none. */
export type SsoUserOutcome =
  | { isAllowed: true; id: string; role: Role; email: string }
  | { isAllowed: false; reason: "account_exists" | "disabled" };

interface Row {
  id: string;
  email: string;
  role: Role;
  is_disabled: number;
}

/** Records the SSO sign-in of `identity` at `at`. */
export async function recordSsoUser(
  db: Database,
  identity: SsoIdentity,
  at: number,
): Promise<SsoUserOutcome> {
  const known = await rowOf(db.run(sql`
    UPDATE users SET
      last_login_at = ${at},
      role = CASE WHEN password_hash IS NULL THEN ${identity.role} ELSE role END
    WHERE sso_issuer = ${identity.issuer} AND sso_subject = ${identity.subject}
    RETURNING id, email, role, is_disabled`));
  if (known) return outcomeOf(known);

  // Attach to the row with this email only when allowed; the WHERE keeps two racing sign-ins apart.
  const linked = await rowOf(db.run(sql`
    UPDATE users SET
      sso_issuer = ${identity.issuer},
      sso_subject = ${identity.subject},
      allows_sso_link = 0,
      last_login_at = ${at},
      role = CASE WHEN password_hash IS NULL THEN ${identity.role} ELSE role END
    WHERE email = ${identity.email} AND sso_issuer IS NULL
      AND (allows_sso_link = 1 OR password_hash IS NULL)
    RETURNING id, email, role, is_disabled`));
  if (linked) return outcomeOf(linked);

  const created = await rowOf(db.run(sql`
    INSERT INTO users (id, email, name, role, created_at, last_login_at, sso_issuer, sso_subject)
    VALUES (${crypto.randomUUID()}, ${identity.email}, ${identity.name}, ${identity.role},
      ${at}, ${at}, ${identity.issuer}, ${identity.subject})
    ON CONFLICT DO NOTHING
    RETURNING id, email, role, is_disabled`));
  if (created) return outcomeOf(created);
  return { isAllowed: false, reason: "account_exists" };
}

function outcomeOf(row: Row): SsoUserOutcome {
  if (row.is_disabled) return { isAllowed: false, reason: "disabled" };
  return { isAllowed: true, id: row.id, role: row.role, email: row.email };
}

async function rowOf(pending: Promise<{ rows: unknown[] }>): Promise<Row | null> {
  const [row] = (await pending).rows as Row[];
  return row ?? null;
}
