/**
 * Who is signed in. Components read the signals and call the actions; the
 * model alone talks to the API.
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { AuthOptions, SessionView } from "../../shared/schema/console.ts";
import { type ApiClient, ApiError } from "../api/client.ts";

/** Whether the console knows who is signed in yet. */
export type SessionStatus = "loading" | "signed_in" | "signed_out";

/** The session model: signals and actions. */
export interface SessionModel {
  readonly status: ReadonlySignal<SessionStatus>;
  readonly user: ReadonlySignal<SessionView | null>;
  readonly options: ReadonlySignal<AuthOptions>;
  /** Why the last sign-in failed, in words for the person at the form. */
  readonly error: ReadonlySignal<string | null>;
  readonly isBusy: ReadonlySignal<boolean>;
  /** Asks the edge who is signed in and which sign-in methods it offers. */
  load(): Promise<void>;
  /** Signs in; true on success, else `error` says why. */
  signIn(email: string, password: string): Promise<boolean>;
  signOut(): Promise<void>;
  /** The edge refused the session (it expired): back to the sign-in page. */
  expire(): void;
}

/** A session model over `api`. */
export function createSessionModel(api: ApiClient): SessionModel {
  const status = signal<SessionStatus>("loading");
  const user = signal<SessionView | null>(null);
  const options = signal<AuthOptions>({ local: true, sso: false, authDisabled: false });
  const error = signal<string | null>(null);
  const isBusy = signal(false);

  const signedOut = (message: string | null) => {
    user.value = null;
    status.value = "signed_out";
    error.value = message;
  };

  return {
    status,
    user,
    options,
    error,
    isBusy,
    async load() {
      const [me, offered] = await Promise.allSettled([api.me(), api.authOptions()]);
      if (offered.status === "fulfilled") options.value = offered.value;
      if (me.status === "fulfilled") {
        user.value = me.value;
        status.value = "signed_in";
      } else {
        const reason = me.reason;
        signedOut(reason instanceof ApiError && reason.status === 401 ? null : messageOf(reason));
      }
    },
    async signIn(email, password) {
      isBusy.value = true;
      error.value = null;
      try {
        user.value = await api.login(email, password);
        status.value = "signed_in";
        return true;
      } catch (reason) {
        error.value = messageOf(reason);
        return false;
      } finally {
        isBusy.value = false;
      }
    },
    async signOut() {
      try {
        await api.logout();
      } finally {
        signedOut(null);
      }
    },
    expire() {
      if (status.value === "signed_in") signedOut("Your session ended. Sign in again.");
    },
  };
}

function messageOf(reason: unknown): string {
  if (!(reason instanceof ApiError)) return "Something went wrong. Try again.";
  if (reason.status === 401) return "Wrong email or password.";
  if (reason.status === 429) {
    const wait = reason.retryAfterSeconds;
    return `Too many failed sign-ins. Try again in ${wait ? formatWait(wait) : "a while"}.`;
  }
  if (reason.status === 400) return reason.issues[0]?.message ?? reason.message;
  return reason.message;
}

function formatWait(seconds: number): string {
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

/**
 * Why an SSO sign-in came back refused (`/signin?sso_error=<reason>`, set by
 * the edge's callback), in words for the person at the form; null for none.
 */
export function ssoErrorMessage(reason: string | null): string | null {
  if (!reason) return null;
  return SSO_ERRORS[reason] ??
    "SSO sign-in failed. Try again, or ask an administrator to check the sign-in audit log.";
}

const SSO_ERRORS: Record<string, string> = {
  email_not_allowed:
    "Your SSO account's email is not allowed to sign in here (neither the address nor its domain is on the allowlist). Ask an administrator to add it.",
  group_not_allowed:
    "Your SSO account is not in a group allowed to sign in here. Ask an administrator to add you to an allowed group.",
  email_unverified:
    "Your identity provider says your email address is not verified. Verify it there, then try again.",
  no_email:
    "Your identity provider did not share an email address, which Gantry needs. Ask an administrator to add the email scope.",
  expired: "The SSO sign-in took too long or was started in another browser. Start again.",
  state_mismatch:
    "The SSO sign-in could not be verified: the answer does not belong to the sign-in this browser started. Start again.",
  nonce_mismatch:
    "The SSO sign-in could not be verified: the identity provider's token was not issued for this sign-in. Start again.",
  invalid_response:
    "The SSO sign-in could not be verified: the identity provider's answer failed a check. Start again.",
  provider_refused: "The identity provider did not complete the sign-in.",
  account_exists:
    "A Gantry account with your email exists but is not linked to this SSO identity. Ask an administrator to allow SSO linking for it.",
  disabled: "Your Gantry account is disabled. Ask an administrator.",
  unavailable: "The identity provider cannot be reached right now. Try again later.",
};
