import type { Client } from "@libsql/client/web";
import { SignJWT } from "jose";

/** The users row id behind {@link operatorToken} for `role`. */
export function testOperatorId(role: "viewer" | "admin"): string {
  return `test-operator-${role}`;
}

/**
 * A console session token, as the edge's sign-in would issue it, for the
 * seeded test operator of `role`. The edge checks the user's row on every
 * request, so the database must hold it: see {@link seedTestOperators}.
 */
export async function operatorToken(
  secret: string,
  role: "viewer" | "admin" = "viewer",
  options: { audience?: string; expiresIn?: string } = {},
): Promise<string> {
  return await new SignJWT({ role, email: `${testOperatorId(role)}@example.com` })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(testOperatorId(role))
    .setAudience(options.audience ?? "gantry-console")
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "10m")
    .sign(new TextEncoder().encode(secret));
}

/** Inserts the users rows of {@link operatorToken}'s operators (repeating is harmless). */
export async function seedTestOperators(client: Client): Promise<void> {
  for (const role of ["viewer", "admin"] as const) {
    await client.execute({
      sql: `INSERT INTO users (id, email, role, created_at) VALUES (?, ?, ?, 0)
            ON CONFLICT DO NOTHING`,
      args: [testOperatorId(role), `${testOperatorId(role)}@example.com`, role],
    });
  }
}
