import { useEffect } from "preact/hooks";
import { Link } from "./components/Link.tsx";
import { Shell } from "./components/Shell.tsx";
import { type Console, ConsoleContext, useConsole } from "./console.ts";
import { BackupPage } from "./pages/BackupPage.tsx";
import { JobDetailPage } from "./pages/JobDetailPage.tsx";
import { JobsPage } from "./pages/JobsPage.tsx";
import { OverviewPage } from "./pages/OverviewPage.tsx";
import { AuditPage } from "./pages/AuditPage.tsx";
import { DeadLettersPage } from "./pages/DeadLettersPage.tsx";
import { StatsPage } from "./pages/StatsPage.tsx";
import { PoolsPage } from "./pages/PoolsPage.tsx";
import { ProjectsPage } from "./pages/ProjectsPage.tsx";
import { ReposPage } from "./pages/ReposPage.tsx";
import { SignInPage } from "./pages/SignInPage.tsx";
import { InvitePage } from "./pages/InvitePage.tsx";
import { UsersPage } from "./pages/UsersPage.tsx";

/** The console: the sign-in page until someone is signed in, then the page the URL names. */
export function App(props: { console: Console }) {
  return (
    <ConsoleContext.Provider value={props.console}>
      <Pages />
    </ConsoleContext.Provider>
  );
}

function Pages() {
  const { session, router } = useConsole();
  useEffect(() => {
    void session.load();
  }, [session]);
  const status = session.status.value;
  const route = router.route.value;

  // Keep the URL honest: signed out shows /signin?next=…, signed in never shows /signin.
  useEffect(() => {
    if (status === "signed_out" && route.page !== "signin" && route.page !== "invite") {
      router.navigate(`/signin?next=${encodeURIComponent(router.href.value)}`, { replace: true });
    }
    if (status === "signed_in" && route.page === "signin") {
      router.navigate(route.next, { replace: true });
    }
  }, [status, route, router]);

  if (status === "loading") return <p class="splash muted">Loading…</p>;
  // An invitee has no session yet: the link is all they have.
  if (route.page === "invite") return <InvitePage />;
  if (status === "signed_out" || route.page === "signin") {
    return <SignInPage next={route.page === "signin" ? route.next : "/"} />;
  }
  return (
    <Shell>
      {route.page === "overview" && <OverviewPage />}
      {route.page === "jobs" && <JobsPage query={route.query} />}
      {route.page === "job" && <JobDetailPage id={route.id} />}
      {route.page === "stats" && <StatsPage query={route.query} />}
      {route.page === "audit" && <AuditPage query={route.query} />}
      {route.page === "dead_letters" && <DeadLettersPage />}
      {route.page === "projects" && <ProjectsPage />}
      {route.page === "repos" && <ReposPage />}
      {route.page === "pools" && <PoolsPage />}
      {route.page === "backup" && <BackupPage />}
      {route.page === "users" && <UsersPage />}
      {route.page === "not_found" && (
        <section>
          <h1>Not found</h1>
          <p>
            Nothing lives at <span class="mono">{route.path}</span>. <Link href="/">Overview</Link>
          </p>
        </section>
      )}
    </Shell>
  );
}
