/**
 * The console's routes: every page has a URL, so it can be bookmarked,
 * reloaded and opened by a test. The current route is a signal.
 *
 * @module
 */
import { type ReadonlySignal, signal } from "@preact/signals";
import { safeNextPath } from "../shared/auth/next_path.ts";

/** A page and what its URL says. */
export type Route =
  | { page: "overview" }
  | { page: "jobs"; query: URLSearchParams }
  | { page: "job"; id: string }
  | { page: "stats"; query: URLSearchParams }
  | { page: "audit"; query: URLSearchParams }
  | { page: "dead_letters" }
  | { page: "projects" }
  | { page: "repos" }
  | { page: "pools" }
  | { page: "backup" }
  | { page: "users" }
  | { page: "invite" }
  | { page: "signin"; next: string }
  | { page: "not_found"; path: string };

/** Which page a path and query string show. */
export function routeOf(pathname: string, search = ""): Route {
  const query = new URLSearchParams(search);
  const path = pathname.replace(/\/+$/, "") || "/";
  if (path === "/" || path === "/overview") return { page: "overview" };
  if (path === "/jobs") return { page: "jobs", query };
  if (path === "/stats") return { page: "stats", query };
  if (path === "/audit") return { page: "audit", query };
  if (path === "/dead-letters") return { page: "dead_letters" };
  if (path === "/users") return { page: "users" };
  // The token rides in the fragment, which the invitation page reads itself.
  if (path === "/invite") return { page: "invite" };
  if (path === "/projects" || path === "/repos" || path === "/pools" || path === "/backup") {
    return { page: path.slice(1) as "projects" | "repos" | "pools" | "backup" };
  }
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job) return { page: "job", id: decodeURIComponent(job[1]) };
  if (path === "/signin") return { page: "signin", next: safeNext(query.get("next")) };
  return { page: "not_found", path };
}

/** Only paths on this console are followed after sign-in: the edge's own check. */
function safeNext(next: string | null): string {
  const origin = typeof location === "undefined" ? undefined : location.origin;
  return safeNextPath(next, origin);
}

/** The current route, and moving between routes. */
export interface Router {
  readonly route: ReadonlySignal<Route>;
  /** The path and query of the current page, e.g. `/jobs?status=failed`. */
  readonly href: ReadonlySignal<string>;
  navigate(href: string, options?: { replace?: boolean }): void;
}

/** Where a router reads and writes the URL: `window` in the browser. */
export interface BrowserLocation {
  location: { pathname: string; search: string };
  history: { pushState(data: unknown, unused: string, url: string): void } & {
    replaceState(data: unknown, unused: string, url: string): void;
  };
  addEventListener(type: "popstate", listener: () => void): void;
}

/** A router over the browser's location and history. */
export function createRouter(browser: BrowserLocation): Router {
  const read = () => `${browser.location.pathname}${browser.location.search}`;
  const href = signal(read());
  const route = signal(routeOf(browser.location.pathname, browser.location.search));
  const sync = () => {
    href.value = read();
    route.value = routeOf(browser.location.pathname, browser.location.search);
  };
  browser.addEventListener("popstate", sync);
  return {
    route,
    href,
    navigate(target, options = {}) {
      if (target === read()) return;
      if (options.replace) browser.history.replaceState(null, "", target);
      else browser.history.pushState(null, "", target);
      sync();
    },
  };
}
