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
  const options = signal<AuthOptions>({ local: true, sso: false });
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
