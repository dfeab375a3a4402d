/**
 * Local sign-in: rate limit, look up, verify, audit. Every attempt, admitted
 * or not, leaves one `auth.login` row in the audit log; the answer never says
 * whether the email has an account.
 */
import type { DurableObjectStub } from "cloudflare:workers";
import type { LoginRequest } from "../../shared/schema/console.ts";
import type { AuditEntry } from "../api/audit_log.ts";
import type { UserRecord, UserStore } from "../api/user_store.ts";
import type { AuthConfig } from "./auth_config.ts";
import type { LoginThrottle } from "./login_throttle.ts";
import { DECOY_HASH, verifyPassword } from "./password.ts";

/** What a sign-in attempt came to. */
export type SignInResult =
  | { outcome: "ok"; user: UserRecord }
  | { outcome: "refused" }
  | { outcome: "rate_limited"; retryAfterSeconds: number };

/** What {@link signIn} needs from the world. */
export interface SignInDeps {
  users: UserStore;
  throttle: DurableObjectStub<LoginThrottle>;
  audit(entry: AuditEntry): Promise<void>;
  config: AuthConfig;
}

/** Checks `credentials` from `ip`. */
export async function signIn(
  credentials: LoginRequest,
  options: SignInDeps & { ip: string; userAgent: string | null },
): Promise<SignInResult> {
  const { users, throttle, audit, config, ip } = options;
  const accountKey = `account:${credentials.email}`;
  const attempt = { actor: credentials.email, action: "auth.login", target: credentials.email };
  const context = { ip, userAgent: options.userAgent?.slice(0, 200) ?? null };

  const admission = await throttle.admit([
    { key: `ip:${ip}`, limit: config.maxFailuresPerIp },
    { key: accountKey, limit: config.maxFailuresPerAccount },
  ], config.windowMs);
  if (!admission.isAdmitted) {
    await audit({ ...attempt, outcome: "failed", payload: { ...context, reason: "rate_limited" } });
    return { outcome: "rate_limited", retryAfterSeconds: admission.retryAfterSeconds };
  }

  const user = await users.findByEmail(credentials.email);
  // Unknown accounts still pay for a full hash, so timing does not tell them apart.
  const isMatch = await verifyPassword(credentials.password, user?.passwordHash ?? DECOY_HASH);
  if (!user || !user.passwordHash || !isMatch) {
    const reason = !user ? "unknown_account" : !user.passwordHash ? "no_password" : "bad_password";
    await audit({ ...attempt, outcome: "failed", payload: { ...context, reason } });
    return { outcome: "refused" };
  }
  await throttle.succeeded(admission.attemptId, accountKey);
  await users.recordLogin(user.id, Date.now());
  await audit({
    ...attempt,
    target: user.id,
    outcome: "ok",
    payload: { ...context, role: user.role },
  });
  return { outcome: "ok", user };
}
