import { useEffect, useState } from "preact/hooks";
import type { Role, UserView } from "../../shared/schema/console.ts";
import { DeleteButton, Field, FormMessage } from "../components/FormField.tsx";
import { useDialogFocus } from "../components/keyboard.ts";
import { Time } from "../components/Time.tsx";
import { useConsole } from "../console.ts";
import { formatUtcTitle } from "../format.ts";
import { type FormErrors, NO_ERRORS } from "../forms/form_errors.ts";
import type { IssuedInvitation } from "../models/users_model.ts";

/**
 * Users (admins): invite with a one-time link, change roles, disable and
 * enable, end sessions, delete. Everyone: change their own password.
 */
export function UsersPage() {
  const { users, session } = useConsole();
  const me = session.user.value;
  const isAdmin = me?.role === "admin";
  const [isInviting, setInviting] = useState(false);
  useEffect(() => {
    if (isAdmin) void users.load();
  }, [users, isAdmin]);
  const issued = users.issued.value;

  return (
    <section>
      <header class="page-head">
        <h1>Users</h1>
        {isAdmin && (
          <button
            type="button"
            class="button primary"
            aria-expanded={isInviting}
            onClick={() => setInviting(true)}
          >
            Invite user
          </button>
        )}
      </header>
      {!isAdmin && <p class="banner banner-info">Managing users needs the admin role.</p>}
      {users.error.value && (
        <p class="banner banner-bad" role="alert" data-testid="users-error">{users.error.value}</p>
      )}
      {users.notice.value && <p class="banner banner-good" role="status">{users.notice.value}</p>}
      {isInviting && <InviteForm onDone={() => setInviting(false)} />}
      {issued && <InvitationLink issued={issued} onDone={() => users.dismissInvitation()} />}
      {isAdmin && (
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Users table">
          <table class="config" data-testid="users">
            <thead>
              <tr>
                <th>Email</th>
                <th>Name</th>
                <th>Role</th>
                <th>Status</th>
                <th>Last sign-in</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {users.users.value.map((user) => (
                <UserRow key={user.id} user={user} isMe={user.id === me?.id} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <PasswordForm />
    </section>
  );
}

function UserRow(props: { user: UserView; isMe: boolean }) {
  const { users } = useConsole();
  const { user } = props;
  const invitedUntil = users.pending.value.get(user.id);
  const status = invitedUntil !== undefined
    ? { label: "invited", class: "badge-waiting" }
    : user.isDisabled
    ? { label: "disabled", class: "badge-bad" }
    : { label: "active", class: "badge-good" };
  return (
    <tr data-user={user.email}>
      <td class="mono">
        {user.email}
        {props.isMe && <span class="muted small">(you)</span>}
      </td>
      <td>{user.name ?? "—"}</td>
      <td>
        <select
          aria-label={`Role of ${user.email}`}
          value={user.role}
          onChange={(event) => void users.update(user, { role: event.currentTarget.value as Role })}
        >
          <option value="viewer">viewer</option>
          <option value="admin">admin</option>
        </select>
      </td>
      <td>
        <span
          class={`badge ${status.class}`}
          data-status={status.label}
          title={invitedUntil === undefined
            ? undefined
            : `link works until ${formatUtcTitle(invitedUntil)}`}
        >
          {status.label}
        </span>
      </td>
      <td>
        <Time ms={user.lastLoginAt} short />
      </td>
      <td class="actions">
        <button
          type="button"
          class="button secondary small"
          onClick={() => void users.update(user, { isDisabled: !user.isDisabled })}
        >
          {user.isDisabled ? "Enable" : "Disable"}
        </button>
        <button
          type="button"
          class="button secondary small"
          onClick={() => void users.endSessions(user)}
        >
          End sessions
        </button>
        <DeleteButton onConfirm={() => void users.remove(user)} />
      </td>
    </tr>
  );
}

function InviteForm(props: { onDone: () => void }) {
  const { users } = useConsole();
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const dialog = useDialogFocus<HTMLFormElement>(props.onDone);
  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const name = String(form.get("name") ?? "").trim();
    const result = await users.invite({
      email: String(form.get("email") ?? ""),
      role: String(form.get("role") ?? ""),
      ...(name ? { name } : {}),
    });
    if (result.ok) props.onDone();
    else setErrors(result.errors);
  };
  return (
    <form
      class="card edit-form"
      onSubmit={onSubmit}
      aria-label="Invite user"
      noValidate
      ref={dialog.ref}
      onKeyDown={dialog.onKeyDown}
    >
      <h2>Invite a user</h2>
      <FormMessage errors={errors} />
      <div class="form-grid">
        <Field label="Email" name="email" errors={errors}>
          <input name="email" type="email" autocomplete="off" />
        </Field>
        <Field label="Name" name="name" errors={errors} hint="optional">
          <input name="name" />
        </Field>
        <Field label="Role" name="role" errors={errors}>
          <select name="role">
            <option value="viewer">viewer</option>
            <option value="admin">admin</option>
          </select>
        </Field>
      </div>
      <div class="form-actions">
        <button type="submit" class="button primary">Invite</button>
        <button type="button" class="button secondary" onClick={props.onDone}>Cancel</button>
      </div>
    </form>
  );
}

/** The new invitation's link: shown once, to copy and hand over. */
function InvitationLink(props: { issued: IssuedInvitation; onDone: () => void }) {
  const { issued } = props;
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(issued.url);
      setCopied("Copied.");
    } catch {
      setCopied("Select the link and copy it.");
    }
  };
  return (
    <div class="card" role="region" aria-label="Invitation link" data-testid="invitation">
      <h2>Invitation for {issued.email}</h2>
      <p class="muted small">
        Send this link to {issued.email}. It works once, until{" "}
        <Time ms={issued.expiresAt} />. It is not shown again.
      </p>
      <input
        class="mono"
        readOnly
        value={issued.url}
        aria-label="Invitation link"
        data-testid="invitation-url"
        onFocus={(event) => event.currentTarget.select()}
      />
      <div class="form-actions">
        <button type="button" class="button secondary small" onClick={copy}>Copy link</button>
        <button type="button" class="button secondary small" onClick={props.onDone}>Done</button>
        {copied && <span class="muted small" role="status">{copied}</span>}
      </div>
    </div>
  );
}

/** The signed-in user's own password: the current one, then the new one. */
function PasswordForm() {
  const { account, session } = useConsole();
  if (session.options.value.authDisabled) return null;
  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const element = event.currentTarget as HTMLFormElement;
    const form = new FormData(element);
    const isChanged = await account.changePassword(
      String(form.get("currentPassword")),
      String(form.get("newPassword")),
    );
    if (isChanged) element.reset();
  };
  return (
    <form class="card edit-form" onSubmit={onSubmit} aria-label="Your password">
      <h2>Your password</h2>
      {account.error.value && (
        <p class="form-error" role="alert" data-testid="password-error">{account.error.value}</p>
      )}
      {account.notice.value && (
        <p class="banner banner-good" role="status">{account.notice.value}</p>
      )}
      <div class="form-grid">
        <label>
          <span>Current password</span>
          <input name="currentPassword" type="password" autocomplete="current-password" />
        </label>
        <label>
          <span>New password</span>
          <input name="newPassword" type="password" autocomplete="new-password" />
        </label>
      </div>
      <div class="form-actions">
        <button type="submit" class="button primary" disabled={account.isBusy.value}>
          Change password
        </button>
      </div>
    </form>
  );
}
