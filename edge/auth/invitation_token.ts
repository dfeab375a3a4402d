/**
 * Invitation tokens: 32 random bytes, base64url (43 characters) in the link;
 * the database keeps only their SHA-256, so its rows cannot be used as links.
 */

/** How long an invitation link works. */
export const INVITATION_TTL_MS = 7 * 24 * 3600_000;

/** A fresh token for a link. */
export function newInvitationToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The hex SHA-256 of `token`: what the database stores and looks up. */
export async function invitationTokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * The console page the invitee opens. The token rides in the fragment, which
 * browsers never send to a server, so it stays out of access logs.
 */
export function invitationUrl(origin: string, token: string): string {
  return `${origin}/invite#token=${token}`;
}
