import { useConsole } from "../console.ts";
import { Link } from "../components/Link.tsx";

/** The invitation link's page: the invitee sets their password once, then signs in. */
export function InvitePage() {
  const { account } = useConsole();
  // `/invite#token=…`: the fragment never reaches a server.
  const token = new URLSearchParams(location.hash.slice(1)).get("token") ?? "";
  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const password = String(form.get("password"));
    if (password !== String(form.get("confirm"))) return;
    await account.acceptInvitation(token, password);
  };
  const notice = account.notice.value;
  return (
    <div class="signin">
      <form class="card signin-card" onSubmit={onSubmit} aria-labelledby="invite-title">
        <h1 id="invite-title">Set your Gantry password</h1>
        {notice
          ? (
            <>
              <p class="banner banner-good" role="status">{notice}</p>
              <Link href="/signin" class="button primary">Sign in</Link>
            </>
          )
          : (
            <>
              {!token && (
                <p class="form-error" role="alert">
                  This link has no invitation token. Open the whole link you were sent.
                </p>
              )}
              <label>
                New password
                <input
                  name="password"
                  type="password"
                  autocomplete="new-password"
                  minLength={12}
                  required
                  autofocus
                />
              </label>
              <label>
                Repeat it
                <input
                  name="confirm"
                  type="password"
                  autocomplete="new-password"
                  minLength={12}
                  required
                  onInput={(event) => {
                    const input = event.currentTarget;
                    const first = input.form?.elements.namedItem("password") as HTMLInputElement;
                    input.setCustomValidity(
                      input.value === first.value ? "" : "the two passwords differ",
                    );
                  }}
                />
              </label>
              {account.error.value && <p class="form-error" role="alert">{account.error.value}</p>}
              <button
                type="submit"
                class="button primary"
                disabled={!token || account.isBusy.value}
              >
                Set password
              </button>
            </>
          )}
      </form>
    </div>
  );
}
