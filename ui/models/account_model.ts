/**
 * The signed-in user's own account, and an invitee's first password: the
 * invitation page and the password form call these actions, which say in
 * `error` why the edge refused (a used link, a wrong current password).
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import type { UsersApi } from "../api/users_client.ts";
import { errorsOfFailure } from "../forms/form_errors.ts";

/** The account model: signals and actions. */
export interface AccountModel {
  readonly error: ReadonlySignal<string | null>;
  /** What the last action did. */
  readonly notice: ReadonlySignal<string | null>;
  readonly isBusy: ReadonlySignal<boolean>;
  /** Sets an invitee's password through the link's token; true when it worked. */
  acceptInvitation(token: string, password: string): Promise<boolean>;
  changePassword(currentPassword: string, newPassword: string): Promise<boolean>;
}

/** An account model over `api`. */
export function createAccountModel(api: UsersApi): AccountModel {
  const error = signal<string | null>(null);
  const notice = signal<string | null>(null);
  const isBusy = signal(false);
  const run = async (action: () => Promise<string>) => {
    isBusy.value = true;
    error.value = null;
    notice.value = null;
    try {
      notice.value = await action();
      return true;
    } catch (reason) {
      const errors = errorsOfFailure(reason);
      error.value = Object.values(errors.fields)[0] ?? errors.message;
      return false;
    } finally {
      isBusy.value = false;
    }
  };
  return {
    error,
    notice,
    isBusy,
    acceptInvitation: (token, password) =>
      run(async () => {
        const { email } = await api.acceptInvitation(token, password);
        return `Your password is set. Sign in as ${email}.`;
      }),
    changePassword: (currentPassword, newPassword) =>
      run(async () => {
        await api.changePassword(currentPassword, newPassword);
        return "Your password was changed, and your other sessions were ended.";
      }),
  };
}
