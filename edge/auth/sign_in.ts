/**
 * Local sign-in: rate limit, look up, verify, audit. Every success leaves an
 * `auth.login` row in the audit log; refusals leave at most one row per
 * (account, network) — or per network once it is rate limited — per window,
 * marked with how many were left out. The answer never says whether the
 * email has an account.
 */
import type { DurableObjectStub } from "cloudflare:workers";
import type { LoginRequest } from "../../shared/schema/console.ts";
import type { AuditEntry } from "../api/audit_log.ts";
import type { UserRecord, UserStore } from "../api/user_store.ts";
import type { AuthConfig } from "./auth_config.ts";
import { clientNetworkOf } from "./client_network.ts";
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
  const network = clientNetworkOf(ip);
  const networkKey = `net:${network}`;
  const accountKey = `account:${credentials.email}@${network}`;
  const attempt = { actor: credentials.email, action: "auth.login", target: credentials.email };
  const context = { ip, userAgent: options.userAgent?.slice(0, 200) ?? null };
  const auditRefusal = async (slotKey: string, reason: string) => {
    const slot = await throttle.auditSlot(slotKey, config.windowMs);
    if (!slot.shouldAudit) return;
    const repeats = slot.repeats > 0 ? { repeats: slot.repeats } : {};
    await audit({ ...attempt, outcome: "failed", payload: { ...context, reason, ...repeats } });
  };

  const admission = await throttle.admit([
    { key: networkKey, limit: config.maxFailuresPerIp },
    { key: accountKey, limit: config.maxFailuresPerAccount, isProgressive: true },
  ], config.windowMs);
  if (!admission.isAdmitted) {
    await auditRefusal(`audit:${networkKey}`, "rate_limited");
    return { outcome: "rate_limited", retryAfterSeconds: admission.retryAfterSeconds };
  }

  let user: UserRecord | null;
  try {
    user = await users.findByEmail(credentials.email);
  } catch (error) {
    // Unjudged (libSQL unreachable: a 503 follows), so it must not count against anyone.
    await throttle.withdraw(admission.attemptId);
    throw error;
  }
  // Unknown accounts still pay for a full hash, so timing does not tell them apart.
  const isMatch = await verifyPassword(credentials.password, user?.passwordHash ?? DECOY_HASH);
  if (!user || !user.passwordHash || !isMatch || user.isDisabled) {
    const reason = !user
      ? "unknown_account"
      : !user.passwordHash
      ? "no_password"
      : !isMatch
      ? "bad_password"
      : "disabled";
    await auditRefusal(`audit:${accountKey}`, reason);
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
