/**
 * The Users page: every user with their standing, the invitations still
 * pending, and the admin's actions. Each action reloads the list; a refusal
 * (the last enabled admin, say) lands in `error` in the edge's words.
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { PendingInvitation, UserView } from "../../shared/schema/console.ts";
import { type InvitationView, InviteUserRequest } from "../../shared/schema/users.ts";
import type { UserChange, UsersApi } from "../api/users_client.ts";
import { errorsOfFailure, type FormErrors, validate } from "../forms/form_errors.ts";

/** An invitation just made: who for, and the link to hand them (shown once). */
export interface IssuedInvitation extends InvitationView {
  email: string;
}

/** The outcome of an invitation: the link, or what to show on the form. */
export type InviteResult = { ok: true } | { ok: false; errors: FormErrors };

/** The users model: signals and actions. */
export interface UsersModel {
  readonly users: ReadonlySignal<UserView[]>;
  /** User id → when their invitation link stops working. */
  readonly pending: ReadonlySignal<ReadonlyMap<string, number>>;
  readonly issued: ReadonlySignal<IssuedInvitation | null>;
  /** Why the last load or action failed; null after one succeeds. */
  readonly error: ReadonlySignal<string | null>;
  /** What the last action did, for the status line. */
  readonly notice: ReadonlySignal<string | null>;
  load(): Promise<void>;
  /** Validates with the API's schema, then invites; the link lands in `issued`. */
  invite(raw: unknown): Promise<InviteResult>;
  update(user: UserView, change: UserChange): Promise<boolean>;
  remove(user: UserView): Promise<boolean>;
  endSessions(user: UserView): Promise<boolean>;
  dismissInvitation(): void;
}

/** A users model over `api`. */
export function createUsersModel(api: UsersApi): UsersModel {
  const users = signal<UserView[]>([]);
  const pending = signal<ReadonlyMap<string, number>>(new Map());
  const issued = signal<IssuedInvitation | null>(null);
  const error = signal<string | null>(null);
  const notice = signal<string | null>(null);

  const load = async () => {
    try {
      const answer = await api.list();
      users.value = answer.users;
      pending.value = new Map(
        answer.pendingInvitations.map((p: PendingInvitation) => [p.userId, p.expiresAt]),
      );
    } catch (reason) {
      error.value = errorsOfFailure(reason).message;
    }
  };

  /** Runs an action; on success says `done` and reloads, else keeps the edge's words. */
  const act = async (action: () => Promise<unknown>, done: string) => {
    try {
      await action();
    } catch (reason) {
      notice.value = null;
      // Reload, so a control the refused change moved shows the user as they are.
      await load();
      error.value = errorsOfFailure(reason).message;
      return false;
    }
    // The list first, so the status line never describes rows not yet shown.
    await load();
    error.value = null;
    notice.value = done;
    return true;
  };

  return {
    users,
    pending,
    issued,
    error,
    notice,
    load,
    async invite(raw) {
      const checked = validate(InviteUserRequest, raw);
      if (!checked.ok) return checked;
      try {
        const answer = await api.invite(checked.value);
        issued.value = { email: answer.user.email, ...answer.invitation };
      } catch (reason) {
        return { ok: false, errors: errorsOfFailure(reason) };
      }
      error.value = null;
      notice.value = null;
      await load();
      return { ok: true };
    },
    update: (user, change) =>
      act(
        () => api.update(user.id, change),
        change.role
          ? `${user.email} is now ${change.role === "admin" ? "an admin" : "a viewer"}.`
          : change.isDisabled
          ? `${user.email} is disabled.`
          : `${user.email} is enabled.`,
      ),
    remove: (user) => act(() => api.remove(user.id), `${user.email} was deleted.`),
    endSessions: (user) =>
      act(() => api.endSessions(user.id), `${user.email}'s sessions were ended.`),
    dismissInvitation() {
      issued.value = null;
    },
  };
}
