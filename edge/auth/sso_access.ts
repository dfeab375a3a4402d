/**
 * Who may sign in with SSO, and with which role: a pure decision over the
 * verified ID token's claims and the allowlists.
 *
 * - The email must be present and verified (`email_verified: true`), unless the
 *   operator set OIDC_ALLOW_UNVERIFIED_EMAILS=true for a provider that never
 *   sends the claim (then the provider's word on the email is trusted as is).
 * - When OIDC_ALLOWED_EMAILS or OIDC_ALLOWED_DOMAINS is set, the email must be
 *   listed or be in a listed domain.
 * - When OIDC_ALLOWED_GROUPS is set, the user must be in one of those groups.
 * - Both checks apply when both are set (the email domain AND the group).
 * - OIDC_ADMIN_EMAILS count as allowed emails and OIDC_ADMIN_GROUPS as allowed
 *   groups; whoever passes and is in one of them is an admin, anyone else a viewer.
 */
import type { Role } from "../../shared/schema/console.ts";
import type { OidcConfig } from "./oidc_config.ts";

/** Why SSO refused someone; the sign-in page turns each into a sentence. */
export type SsoRefusal =
  | "no_email"
  | "email_unverified"
  | "email_not_allowed"
  | "group_not_allowed";

/** The decision for one verified ID token. */
export type SsoAccess =
  | { isAllowed: true; email: string; role: Role; groups: string[] }
  | { isAllowed: false; reason: SsoRefusal; email: string | null; groups: string[] };

type AccessRules = Pick<
  OidcConfig,
  | "groupsClaim"
  | "allowedDomains"
  | "allowedEmails"
  | "allowedGroups"
  | "adminGroups"
  | "adminEmails"
  | "allowsUnverifiedEmails"
>;

/** Decides whether the holder of `claims` may sign in, and as what. */
export function ssoAccessOf(claims: Record<string, unknown>, rules: AccessRules): SsoAccess {
  const groups = groupsOf(claims[rules.groupsClaim]);
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  if (!email || !email.includes("@")) {
    return { isAllowed: false, reason: "no_email", email: null, groups };
  }
  const isVerified = claims.email_verified === true ||
    (rules.allowsUnverifiedEmails && claims.email_verified === undefined);
  if (!isVerified) {
    return { isAllowed: false, reason: "email_unverified", email, groups };
  }
  const isInGroup = (names: readonly string[]) => groups.some((group) => names.includes(group));
  const isAdmin = rules.adminEmails.includes(email) || isInGroup(rules.adminGroups);
  const domain = email.slice(email.lastIndexOf("@") + 1);

  const hasEmailRule = rules.allowedEmails.length + rules.allowedDomains.length > 0;
  const isEmailListed = rules.allowedEmails.includes(email) ||
    rules.allowedDomains.includes(domain) || rules.adminEmails.includes(email);
  if (hasEmailRule && !isEmailListed) {
    return { isAllowed: false, reason: "email_not_allowed", email, groups };
  }
  const hasGroupRule = rules.allowedGroups.length > 0;
  if (hasGroupRule && !isInGroup(rules.allowedGroups) && !isInGroup(rules.adminGroups)) {
    return { isAllowed: false, reason: "group_not_allowed", email, groups };
  }
  return { isAllowed: true, email, role: isAdmin ? "admin" : "viewer", groups };
}

/** A groups claim as a list: providers send an array, some a single string. */
function groupsOf(claim: unknown): string[] {
  if (typeof claim === "string") return [claim];
  if (Array.isArray(claim)) return claim.filter((group) => typeof group === "string");
  return [];
}
