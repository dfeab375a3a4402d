import { useConsole } from "../console.ts";
import { ssoErrorMessage } from "../models/session_model.ts";

/** Email and password; "Sign in with SSO" only when the edge has OIDC configured. */
export function SignInPage(props: { next: string }) {
  const { session, router } = useConsole();
  const onSubmit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const isSignedIn = await session.signIn(
      String(form.get("email")),
      String(form.get("password")),
    );
    if (isSignedIn) router.navigate(props.next, { replace: true });
  };
  // The edge's SSO callback sends refusals back here as ?sso_error=<reason>.
  const search = router.href.value.split("?")[1] ?? "";
  const ssoError = ssoErrorMessage(new URLSearchParams(search).get("sso_error"));
  const error = session.error.value ?? ssoError;
  return (
    <div class="signin">
      <form class="card signin-card" onSubmit={onSubmit} aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Gantry</h1>
        {session.options.value.sso && (
          <>
            <a
              class="button sso"
              href={`/api/v1/auth/oidc/login?next=${encodeURIComponent(props.next)}`}
            >
              Sign in with SSO
            </a>
            <div class="divider">or</div>
          </>
        )}
        <label>
          Email
          <input name="email" type="email" autocomplete="username" required autofocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        {error && <p class="form-error" role="alert">{error}</p>}
        <button type="submit" class="button primary" disabled={session.isBusy.value}>
          {session.isBusy.value ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </div>
  );
}
