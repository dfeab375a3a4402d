import { SignJWT } from "jose";

/** A console session token, as the edge's sign-in would issue it. */
export async function operatorToken(
  secret: string,
  role: "viewer" | "admin" = "viewer",
  options: { audience?: string; expiresIn?: string } = {},
): Promise<string> {
  return await new SignJWT({ role })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("test-operator@example.com")
    .setAudience(options.audience ?? "gantry-console")
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "10m")
    .sign(new TextEncoder().encode(secret));
}
