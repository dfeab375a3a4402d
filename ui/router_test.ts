import assert from "node:assert/strict";
import { type BrowserLocation, createRouter, routeOf } from "./router.ts";

Deno.test("every page has a URL", () => {
  assert.deepEqual(routeOf("/"), { page: "overview" });
  assert.deepEqual(routeOf("/overview/"), { page: "overview" });
  const jobs = routeOf("/jobs", "?status=failed");
  assert.equal(jobs.page, "jobs");
  assert.equal(jobs.page === "jobs" && jobs.query.get("status"), "failed");
  assert.deepEqual(routeOf("/jobs/123%2F4"), { page: "job", id: "123/4" });
  assert.deepEqual(routeOf("/signin", "?next=%2Fjobs%3Fstatus%3Dfailed"), {
    page: "signin",
    next: "/jobs?status=failed",
  });
  assert.deepEqual(routeOf("/nope"), { page: "not_found", path: "/nope" });
});

Deno.test("sign-in only returns to paths on this site", () => {
  for (
    const next of [
      "https://evil.example/",
      "//evil.example/x",
      "javascript:alert(1)",
      "",
      "/\t/evil.example/x",
      "/\n/x",
      "/.//evil.example",
    ]
  ) {
    assert.deepEqual(routeOf("/signin", `?next=${encodeURIComponent(next)}`), {
      page: "signin",
      next: "/",
    });
  }
});

Deno.test("navigating pushes history and updates the route; back restores it", () => {
  const entries = ["/"];
  let listener = () => {};
  const location = { pathname: "/", search: "" };
  const setLocation = (href: string) => {
    const url = new URL(href, "http://x");
    location.pathname = url.pathname;
    location.search = url.search;
  };
  const browser: BrowserLocation = {
    location,
    history: {
      pushState: (_data, _unused, url) => {
        entries.push(url);
        setLocation(url);
      },
      replaceState: (_data, _unused, url) => {
        entries[entries.length - 1] = url;
        setLocation(url);
      },
    },
    addEventListener: (_type, callback) => listener = callback,
  };
  const router = createRouter(browser);
  router.navigate("/jobs?status=failed");
  assert.equal(router.route.value.page, "jobs");
  assert.equal(router.href.value, "/jobs?status=failed");
  router.navigate("/jobs/7", { replace: true });
  assert.deepEqual(entries, ["/", "/jobs/7"]);
  router.navigate("/jobs/7");
  assert.deepEqual(entries, ["/", "/jobs/7"], "navigating to the current URL adds nothing");
  setLocation("/");
  listener();
  assert.deepEqual(router.route.value, { page: "overview" });
});
