import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useConsole } from "../console.ts";
import { Link } from "./Link.tsx";
import { TimeZoneToggle } from "./Time.tsx";

const NAV = [
  { href: "/", label: "Overview", page: "overview" },
  { href: "/jobs", label: "Jobs", page: "jobs" },
  { href: "/stats", label: "Stats", page: "stats" },
  { href: "/audit", label: "Audit", page: "audit" },
  { href: "/dead-letters", label: "Dead letters", page: "dead_letters" },
] as const;

const CONFIGURE_NAV = [
  { href: "/projects", label: "Projects", page: "projects" },
  { href: "/repos", label: "Repos", page: "repos" },
  { href: "/pools", label: "Pools", page: "pools" },
  { href: "/backup", label: "Backup", page: "backup" },
] as const;

/** The signed-in frame: navigation on the left, who is signed in, and the page. */
export function Shell(props: { children: ComponentChildren }) {
  const { router, session } = useConsole();
  const page = router.route.value.page;
  const user = session.user.value;
  const isAuthDisabled = session.options.value.authDisabled;
  // On a narrow screen the navigation folds into a menu, which closes on every navigation.
  const [isMenuOpen, setMenuOpen] = useState(false);
  const href = router.href.value;
  useEffect(() => setMenuOpen(false), [href]);
  return (
    <div class="shell">
      <a class="skip-link" href="#main" onClick={skipToContent}>Skip to content</a>
      <nav class="sidebar" aria-label="Console">
        <div class="brand-row">
          <div class="brand">Gantry</div>
          <button
            type="button"
            class="button secondary menu-button"
            aria-expanded={isMenuOpen}
            aria-controls="console-menu"
            onClick={() => setMenuOpen(!isMenuOpen)}
          >
            Menu
          </button>
        </div>
        <div id="console-menu" class="sidebar-menu" data-open={String(isMenuOpen)}>
          {session.options.value.simulated && (
            <div
              data-testid="simulated-marker"
              title="This console runs against the local EC2 emulator and GitHub fake (deno task dev)"
              style={{
                margin: "0 0 12px",
                padding: "4px 8px",
                borderRadius: "var(--radius)",
                background: "var(--waiting-bg)",
                color: "var(--waiting)",
                fontSize: "12px",
                fontWeight: 600,
              }}
            >
              Simulated AWS &amp; GitHub
            </div>
          )}
          <div class="nav-group">Control</div>
          {NAV.map((item) => (
            <Link
              key={item.href}
              href={item.href}
              class="nav-link"
              aria-current={page === item.page || (item.page === "jobs" && page === "job")
                ? "page"
                : undefined}
            >
              {item.label}
            </Link>
          ))}
          <div class="nav-group">Configure</div>
          {CONFIGURE_NAV.map((item) => (
            <Link
              key={item.href}
              href={item.href}
              class="nav-link"
              aria-current={page === item.page ? "page" : undefined}
            >
              {item.label}
            </Link>
          ))}
          {!isAuthDisabled && (
            // Admins manage users there; everyone changes their own password there.
            <Link
              href="/users"
              class="nav-link"
              aria-current={page === "users" ? "page" : undefined}
            >
              {user?.role === "admin" ? "Users" : "Your account"}
            </Link>
          )}
          <div class="sidebar-foot">
            <div class="who" data-testid="who">
              <span>{user?.email ?? user?.id}</span>
              <span class="role">{user?.role}</span>
            </div>
            <TimeZoneToggle />
            {!isAuthDisabled && (
              <button
                type="button"
                class="button secondary"
                onClick={() => session.signOut()}
              >
                Sign out
              </button>
            )}
          </div>
        </div>
      </nav>
      <main class="content" id="main" tabIndex={-1}>
        {isAuthDisabled && (
          <p class="banner banner-bad" role="alert" data-testid="auth-disabled-banner">
            <strong>Sign-in is disabled</strong>{" "}
            (AUTH_DISABLED=true): anyone who can reach this console acts as an admin. Run it only
            behind a proxy that authenticates every request.
          </p>
        )}
        {props.children}
      </main>
    </div>
  );
}

/** Focus the page itself, without a hash change the router would see as a navigation. */
function skipToContent(event: MouseEvent) {
  event.preventDefault();
  document.getElementById("main")?.focus();
}
