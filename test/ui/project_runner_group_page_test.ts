/**
 * The Projects page's runner group id in headless Chromium against the edge
 * in workerd and real libSQL: an admin sets group 7 on an org-scoped project
 * through the form, the API then returns it and the page shows it after a
 * reload; 0 is refused next to the field and nothing is sent.
 * Screenshots go to test/output/screenshots/.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { projects } from "../../shared/db/schema.ts";
import { RUNNER_GROUP_ID_PROBLEM } from "../../ui/forms/runner_group_id.ts";
import { launchBrowser } from "../support/browser.ts";
import { operatorToken } from "../support/operator.ts";
import { ADMIN, bootstrap, SESSION_SECRET, startConsoleStack } from "./stack.ts";

async function signIn(page: Page, url: string) {
  await page.goto(url);
  await page.getByLabel("Email").fill(ADMIN.email);
  await page.getByLabel("Password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

Deno.test("the Projects page sets an org scope's runner group and refuses 0", async () => {
  const stack = await startConsoleStack();
  const browser = await launchBrowser();
  try {
    const created = await bootstrap(stack.url, ADMIN);
    assert.equal(created.status, 201, await created.text());
    const token = await operatorToken(SESSION_SECRET, "admin");
    const apiProjects = async () => {
      const response = await fetch(`${stack.url}/api/v1/projects`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 200);
      return (await response.json()).projects as { name: string; scope: unknown }[];
    };
    const storedGroup = async () =>
      (await stack.db.select().from(projects).where(eq(projects.name, "fleet")))[0]
        .runnerGroupId;

    const page = await browser.newPage();
    // Every project write the page sends, to prove a refused value sends nothing.
    const writes: string[] = [];
    page.on("request", (request) => {
      if (request.method() !== "GET" && request.url().includes("/api/v1/projects")) {
        writes.push(`${request.method()} ${request.postData()}`);
      }
    });
    await signIn(page, `${stack.url}/projects`);
    await page.getByRole("heading", { name: "Projects" }).waitFor();

    // An org-scoped project without a group: the Default group, nothing stored.
    await page.getByRole("button", { name: "New project" }).click();
    let form = page.getByRole("form", { name: "Project" });
    await form.getByLabel("Name", { exact: true }).fill("fleet");
    await form.getByLabel("Runner group id").waitFor({ state: "detached" });
    await form.getByLabel("Every repo of an org").check();
    await form.getByLabel("Org", { exact: true }).fill("acme");
    assert.equal(await form.getByLabel("Runner group id").inputValue(), "");
    assert.match(
      (await form.locator(".field-hint").allTextContents()).join("\n"),
      /GitHub runner group for org-level runners; empty = Default \(1\)/,
    );
    await form.getByRole("button", { name: "Create" }).click();
    const row = page.locator('tr[data-project="fleet"]');
    await row.waitFor();
    assert.equal(await row.locator("[data-runner-group]").getAttribute("data-runner-group"), "1");
    assert.match((await row.textContent()) ?? "", /every repo of acme, runner group Default \(1\)/);
    assert.equal(writes.length, 1);
    assert.deepEqual(JSON.parse(writes[0].slice("POST ".length)).scope, {
      kind: "org",
      org: "acme",
    });
    assert.equal(await storedGroup(), null);

    // 0 is refused next to the field, and no request leaves the page.
    await row.getByRole("button", { name: "Edit" }).click();
    form = page.getByRole("form", { name: "Project" });
    await form.getByLabel("Runner group id").fill("0");
    await form.getByRole("button", { name: "Save" }).click();
    const groupError = page.locator('[data-error-for="runnerGroupId"]');
    await groupError.waitFor();
    assert.equal(await groupError.textContent(), RUNNER_GROUP_ID_PROBLEM);
    assert.equal(
      await form.getByLabel("Runner group id").getAttribute("aria-invalid"),
      "true",
    );
    assert.equal(await page.getByTestId("form-error").textContent(), "fix the fields marked below");
    await browser.screenshot(page, "40-project-runner-group-error");
    assert.deepEqual(writes.length, 1, `nothing sent for 0: ${writes.join(" | ")}`);
    assert.equal(await storedGroup(), null);

    // 7 is sent, stored, returned by the API and shown.
    await form.getByLabel("Runner group id").fill("7");
    await form.getByRole("button", { name: "Save" }).click();
    await form.waitFor({ state: "detached" });
    await row.locator('[data-runner-group="7"]').waitFor();
    assert.equal(writes.length, 2);
    assert.deepEqual(JSON.parse(writes[1].slice("PUT ".length)).scope, {
      kind: "org",
      org: "acme",
      runnerGroupId: 7,
    });
    assert.equal(await storedGroup(), 7);
    const [fleet] = (await apiProjects()).filter((project) => project.name === "fleet");
    assert.deepEqual(fleet.scope, { kind: "org", org: "acme", runnerGroupId: 7 });

    // After a reload the list and the edit form both show 7.
    await page.reload();
    await page.locator('tr[data-project="fleet"] [data-runner-group="7"]').waitFor();
    assert.match(
      (await page.locator('tr[data-project="fleet"]').textContent()) ?? "",
      /every repo of acme, runner group 7/,
    );
    await page.locator('tr[data-project="fleet"]').getByRole("button", { name: "Edit" }).click();
    form = page.getByRole("form", { name: "Project" });
    assert.equal(await form.getByLabel("Runner group id").inputValue(), "7");
    await browser.screenshot(page, "41-project-runner-group");
  } finally {
    await browser.close();
    await stack.close();
  }
});
