/**
 * The configuration pages in headless Chromium against the edge in workerd
 * and real libSQL: create, edit and delete a project, a repo binding and a
 * pool through the forms (errors shown next to their fields), the runs-on
 * preview, the launch template the core materialised, a backup
 * export → import round trip with its diff, and a viewer who only reads.
 * Screenshots go to test/output/screenshots/.
 */
import assert from "node:assert/strict";
import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { pools, projects, repos } from "../../shared/db/schema.ts";
import { launchBrowser } from "../support/browser.ts";
import { ADMIN, bootstrap, type ConsoleStack, login, startConsoleStack } from "./stack.ts";

const VIEWER = { email: "viewer@example.com", password: "viewer password 12345" };

async function signIn(page: Page, url: string, who: { email: string; password: string }) {
  await page.goto(url);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

function fieldError(page: Page, field: string) {
  return page.locator(`[data-error-for="${field}"]`);
}

Deno.test("the configuration pages in Chromium: projects, repos, pools, backup", async (t) => {
  const stack: ConsoleStack = await startConsoleStack();
  const browser = await launchBrowser();
  try {
    const created = await bootstrap(stack.url, ADMIN);
    assert.equal(created.status, 201, await created.text());
    const page = await browser.newPage();
    const url = (path: string) => `${stack.url}${path}`;
    await signIn(page, url("/projects"), ADMIN);
    await page.getByRole("heading", { name: "Projects" }).waitFor();

    await t.step("a project form shows the gantry: tag refusal next to the field", async () => {
      await page.getByRole("button", { name: "New project" }).click();
      const form = page.getByRole("form", { name: "Project" });
      await form.getByLabel("Name", { exact: true }).fill("my-app");
      await form.getByLabel("Concurrency cap").fill("4");
      await form.getByLabel("Tags").fill("team=platform\ngantry:owner=me");
      await form.getByRole("button", { name: "Create" }).click();
      await fieldError(page, "tags").waitFor();
      assert.equal(
        await fieldError(page, "tags").textContent(),
        'gantry:owner: the "gantry:" prefix is reserved for Gantry\'s own tags',
      );
      assert.equal((await stack.db.select().from(projects)).length, 0, "nothing was sent");
      await browser.screenshot(page, "20-project-form-error");
      await form.getByLabel("Tags").fill("team=platform");
      await form.getByRole("button", { name: "Create" }).click();
      await page.locator('tr[data-project="my-app"]').waitFor();
    });

    await t.step("an org-scoped project; the server's conflict shows on the form", async () => {
      await page.getByRole("button", { name: "New project" }).click();
      const form = page.getByRole("form", { name: "Project" });
      await form.getByLabel("Name", { exact: true }).fill("MyApp");
      await form.getByLabel("Every repo of an org").check();
      await form.getByLabel("Org", { exact: true }).fill("Octo-Org");
      await form.getByRole("button", { name: "Create" }).click();
      await page.getByTestId("form-error").waitFor();
      assert.match(
        (await page.getByTestId("form-error").textContent()) ?? "",
        /project "my-app" already has the runner label "my-app"/,
      );
      await form.getByLabel("Name", { exact: true }).fill("octo-all");
      await form.getByRole("button", { name: "Create" }).click();
      const row = page.locator('tr[data-project="octo-all"]');
      await row.waitFor();
      assert.match((await row.textContent()) ?? "", /every repo of octo-org/);
      await browser.screenshot(page, "21-projects");
    });

    await t.step("editing a project disables it", async () => {
      await page.locator('tr[data-project="octo-all"]').getByRole("button", { name: "Edit" })
        .click();
      const form = page.getByRole("form", { name: "Project" });
      await form.getByLabel("Disabled (new jobs are dropped)").check();
      await form.getByRole("button", { name: "Save" }).click();
      await page.locator('tr[data-project="octo-all"] .badge-bad').waitFor();
      const [row] = await stack.db.select().from(projects).where(eq(projects.name, "octo-all"));
      assert.equal(row.isDisabled, true);
      assert.equal(row.org, "octo-org");
    });

    await t.step("a repo binds to one project; binding it twice says where it is", async () => {
      await page.getByRole("link", { name: "Repos" }).click();
      await page.waitForURL(url("/repos"));
      for (const attempt of ["first", "second"]) {
        await page.getByRole("button", { name: "Bind repo" }).click();
        const form = page.getByRole("form", { name: "Repo binding" });
        await form.getByLabel("Repository").fill("OctoCat/Hello-World");
        await form.getByLabel("Project", { exact: true }).selectOption({ label: "my-app" });
        await form.getByLabel("Cap override").fill("2");
        await form.getByRole("button", { name: "Bind" }).click();
        if (attempt === "first") {
          await page.locator('tr[data-repo="octocat/hello-world"]').waitFor();
        }
      }
      await page.getByTestId("form-error").waitFor();
      assert.equal(
        await page.getByTestId("form-error").textContent(),
        'octocat/hello-world is already bound to project "my-app"; a repo belongs to one project',
      );
      await browser.screenshot(page, "22-repo-conflict");
      await page.getByRole("button", { name: "Cancel" }).click();
      assert.match(
        (await page.locator('tr[data-repo="octocat/hello-world"]').textContent()) ?? "",
        /my-app2/,
      );
      await browser.screenshot(page, "23-repos");
    });

    await t.step("a pool is created with every field; bad values are named", async () => {
      await page.getByRole("link", { name: "Pools" }).click();
      await page.waitForURL(url("/pools"));
      await page.getByRole("button", { name: "New pool" }).click();
      const form = page.getByRole("form", { name: "Pool" });
      await form.getByLabel("Project", { exact: true }).selectOption({ label: "my-app" });
      await form.getByLabel("Name", { exact: true }).fill("large");
      await form.getByLabel("AMI").fill("ubuntu-22.04");
      await form.getByLabel("Pre-installed runner").fill("opt/actions runner");
      await form.getByRole("button", { name: "Create" }).click();
      await fieldError(page, "ami").waitFor();
      assert.equal(
        await fieldError(page, "runnerPath").textContent(),
        "expected an absolute directory such as /opt/actions-runner " +
          "(letters, digits and . _ + @ - only; no spaces or shell characters)",
      );
      assert.equal(await fieldError(page, "ami").textContent(), 'expected an AMI id ("ami-...")');
      assert.equal(
        await fieldError(page, "instanceTypes").textContent(),
        "at least one instance type",
      );
      assert.equal(await fieldError(page, "subnets").textContent(), "at least one subnet");
      await browser.screenshot(page, "24-pool-form-errors");

      await form.getByLabel("AMI").fill("ami-0abcdef1234567890");
      await form.getByLabel("Pre-installed runner").fill("/opt/actions-runner");
      await form.getByLabel("Instance types").fill("m5.large\nm5.xlarge");
      await form.getByLabel("Subnets").fill("subnet-aaa111, subnet-bbb222");
      await form.getByLabel("Security groups").fill("sg-0123");
      await form.getByLabel("Instance profile").fill("gantry-runner");
      await form.getByLabel("Spawn method").selectOption("run_instances");
      await form.getByLabel("Allocation strategy").selectOption("prioritized");
      await form.getByLabel("Max runtime (minutes)").fill("90");
      await form.getByLabel("Min idle").fill("1");
      await form.getByLabel("Priority").fill("10");
      await form.getByLabel("Extra labels").fill("gpu, x64");
      await form.getByLabel("Spot", { exact: true }).check();
      await form.getByLabel("Default pool of the project").check();
      await form.getByRole("button", { name: "Create" }).click();
      await page.locator('tr[data-pool="my-app/large"]').waitFor();
      const [pool] = await stack.db.select().from(pools).where(eq(pools.name, "large"));
      assert.deepEqual(pool.instanceTypes, ["m5.large", "m5.xlarge"]);
      assert.deepEqual(pool.subnets, ["subnet-aaa111", "subnet-bbb222"]);
      assert.equal(pool.spawn, "run_instances");
      assert.equal(pool.allocationStrategy, "prioritized");
      assert.equal(pool.isSpot, true);
      assert.equal(pool.isDefault, true);
      assert.equal(pool.maxRuntimeMinutes, 90);
      assert.equal(pool.instanceProfile, "gantry-runner");
      assert.equal(pool.runnerPath, "/opt/actions-runner");
      assert.deepEqual(pool.extraLabels, ["gpu", "x64"]);
    });

    await t.step("runs-on preview gives the exact label set and line for a repo", async () => {
      const row = page.locator('tr[data-pool="my-app/large"]');
      assert.equal(await row.locator("[data-template]").textContent(), "not yet");
      await row.getByRole("button", { name: "runs-on" }).click();
      const line = page.getByTestId("runs-on-line");
      await line.waitFor();
      assert.equal(
        await line.textContent(),
        "runs-on: [self-hosted, my-app, large, octocat-hello-world, gpu, x64]",
      );
      await browser.screenshot(page, "25-pools-runs-on");
      await page.getByTestId("runs-on").getByRole("button", { name: "Close" }).click();
    });

    await t.step("copy makes a second pool; the core's launch template shows", async () => {
      await page.locator('tr[data-pool="my-app/large"]').getByRole("button", { name: "Copy" })
        .click();
      const form = page.getByRole("form", { name: "Pool" });
      assert.equal(await form.getByLabel("Name", { exact: true }).inputValue(), "large-copy");
      assert.equal(await form.getByLabel("Default pool of the project").isChecked(), false);
      await form.getByLabel("Name", { exact: true }).fill("small");
      await form.getByLabel("Instance types").fill("t3.small");
      await form.getByRole("button", { name: "Create" }).click();
      await page.locator('tr[data-pool="my-app/small"], [data-testid="form-error"]').first()
        .waitFor();
      if (await page.getByTestId("form-error").count() > 0) {
        assert.fail(`copy refused: ${await page.locator("form").textContent()}`);
      }
      // What the core writes after it materialises the template (core/db/store.ts saveLaunchTemplate).
      await stack.db.update(pools).set({
        launchTemplateId: "lt-0123456789abcdef0",
        launchTemplateVersion: 2,
      })
        .where(eq(pools.name, "large"));
      await page.reload();
      const template = page.locator('tr[data-pool="my-app/large"] [data-template]');
      await page.waitForFunction(
        () =>
          document.querySelector('tr[data-pool="my-app/large"] [data-template]')?.textContent ===
            "lt-0123456789abcdef0 v2",
      );
      assert.equal(await template.textContent(), "lt-0123456789abcdef0 v2");
      await browser.screenshot(page, "26-pools");
    });

    await t.step("editing a pool changes what the next job launches with", async () => {
      await page.locator('tr[data-pool="my-app/small"]').getByRole("button", { name: "Edit" })
        .click();
      const form = page.getByRole("form", { name: "Pool" });
      await form.getByLabel("Instance types").fill("c5.large\nc5.xlarge");
      await form.getByLabel("Enabled", { exact: true }).uncheck();
      await form.getByRole("button", { name: "Save" }).click();
      await page.locator('tr[data-pool="my-app/small"] .badge-bad').waitFor();
      const [pool] = await stack.db.select().from(pools).where(eq(pools.name, "small"));
      assert.deepEqual(pool.instanceTypes, ["c5.large", "c5.xlarge"]);
      assert.equal(pool.isEnabled, false);
    });

    await t.step("the root volume's type, IOPS and throughput are set in the form", async () => {
      await page.locator('tr[data-pool="my-app/small"]').getByRole("button", { name: "Edit" })
        .click();
      const form = page.getByRole("form", { name: "Pool" });
      assert.equal(await form.getByLabel("Root volume type").inputValue(), "gp3", "the default");
      await form.getByLabel("Root volume type").selectOption("io1");
      await form.getByRole("button", { name: "Save" }).click();
      await fieldError(page, "rootVolumeIops").waitFor();
      assert.equal(
        await fieldError(page, "rootVolumeIops").textContent(),
        "io1 volumes need provisioned IOPS",
      );
      await form.getByLabel("Root volume (GB)").fill("100");
      await form.getByLabel("Root volume IOPS").fill("5000");
      await form.getByRole("button", { name: "Save" }).click();
      await form.waitFor({ state: "detached" });
      const [pool] = await stack.db.select().from(pools).where(eq(pools.name, "small"));
      assert.deepEqual(
        [pool.rootVolumeGb, pool.rootVolumeType, pool.rootVolumeIops, pool.rootVolumeThroughput],
        [100, "io1", 5000, null],
      );
    });

    let exported = "";
    await t.step(
      "backup: export, then a changed import shows its diff before applying",
      async () => {
        await page.getByRole("link", { name: "Backup" }).click();
        await page.waitForURL(url("/backup"));
        await page.getByRole("button", { name: "Export JSON" }).click();
        await page.getByTestId("export").waitFor();
        exported = await page.getByTestId("export").inputValue();
        const backup = JSON.parse(exported);
        assert.deepEqual(backup.projects.map((p: { name: string }) => p.name), [
          "my-app",
          "octo-all",
        ]);
        backup.projects[0].cap = 9;
        backup.projects[1].repos.push({ fullName: "octo-org/tools" });
        await page.getByLabel("Backup JSON").fill(JSON.stringify(backup));
        await page.getByRole("button", { name: "Preview changes" }).click();
        const result = page.getByTestId("import-result");
        await result.waitFor();
        assert.match((await result.textContent()) ?? "", /Would apply:.*1 to create, 1 to update/);
        assert.equal((await stack.db.select().from(repos)).length, 1, "preview wrote nothing");
        await browser.screenshot(page, "27-backup-preview");
        await page.getByRole("button", { name: "Apply import" }).click();
        await page.getByText("Applied:").waitFor();
        assert.equal((await stack.db.select().from(repos)).length, 2);
        const [project] = await stack.db.select().from(projects).where(eq(projects.name, "my-app"));
        assert.equal(project.cap, 9);
        await browser.screenshot(page, "28-backup-applied");
      },
    );

    await t.step(
      "backup: importing the original export restores it; again changes nothing",
      async () => {
        await page.getByLabel("Backup JSON").fill(exported);
        await page.getByRole("button", { name: "Preview changes" }).click();
        await page.getByText("1 to update").waitFor();
        await page.getByRole("button", { name: "Apply import" }).click();
        await page.getByText("Applied:").waitFor();
        const [project] = await stack.db.select().from(projects).where(eq(projects.name, "my-app"));
        assert.equal(project.cap, 4);
        await page.getByLabel("Backup JSON").fill(exported + " ");
        await page.getByRole("button", { name: "Preview changes" }).click();
        await page.getByText("0 to create, 0 to update").waitFor();
        await page.getByLabel("Backup JSON").fill('{"kind":"gantry-backup","version":1}');
        await page.getByRole("button", { name: "Preview changes" }).click();
        assert.match(await page.getByTestId("backup-error").textContent() ?? "", /projects:/);
      },
    );

    await t.step(
      "delete: a project with pools is refused, then pools, repo, project go",
      async () => {
        await page.getByRole("link", { name: "Projects" }).click();
        const row = page.locator('tr[data-project="my-app"]');
        await row.getByRole("button", { name: "Delete" }).click();
        await row.getByRole("button", { name: "Confirm delete" }).click();
        const alert = page.getByRole("alert");
        await alert.waitFor();
        assert.match(
          (await alert.textContent()) ?? "",
          /still has 1 repo binding\(s\) and 2 pool\(s\); unbind and delete them first/,
        );
        await page.getByRole("link", { name: "Pools" }).click();
        for (const name of ["my-app/large", "my-app/small"]) {
          const pool = page.locator(`tr[data-pool="${name}"]`);
          await pool.getByRole("button", { name: "Delete" }).click();
          await pool.getByRole("button", { name: "Confirm delete" }).click();
          await pool.waitFor({ state: "detached" });
        }
        await page.getByRole("link", { name: "Repos" }).click();
        const repo = page.locator('tr[data-repo="octocat/hello-world"]');
        await repo.getByRole("button", { name: "Unbind" }).click();
        await repo.getByRole("button", { name: "Confirm delete" }).click();
        await repo.waitFor({ state: "detached" });
        await page.getByRole("link", { name: "Projects" }).click();
        await row.getByRole("button", { name: "Delete" }).click();
        await row.getByRole("button", { name: "Confirm delete" }).click();
        await row.waitFor({ state: "detached" });
        assert.deepEqual((await stack.db.select().from(projects)).map((p) => p.name), ["octo-all"]);
      },
    );

    await t.step("a viewer sees the pages read-only and the API refuses its change", async () => {
      const adminLogin = await login(stack.url, ADMIN);
      const cookie = adminLogin.headers.getSetCookie()[0].split(";")[0];
      const createViewer = await fetch(`${stack.url}/api/v1/users`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify({ ...VIEWER, role: "viewer" }),
      });
      assert.equal(createViewer.status, 201);
      await createViewer.body?.cancel();
      const viewerPage = await browser.newPage();
      await signIn(viewerPage, url("/pools"), VIEWER);
      await viewerPage.getByRole("heading", { name: "Pools" }).waitFor();
      await viewerPage.getByText("Read only: changes need the admin role.").waitFor();
      assert.equal(await viewerPage.getByRole("button", { name: "New pool" }).count(), 0);
      await viewerPage.goto(url("/projects"));
      await viewerPage.locator('tr[data-project="octo-all"]').waitFor();
      assert.equal(await viewerPage.getByRole("button", { name: "Edit" }).count(), 0);
      await browser.screenshot(viewerPage, "29-projects-viewer");
      const answer = await viewerPage.evaluate(async () => {
        const response = await fetch("/api/v1/projects", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "sneaky" }),
        });
        return { status: response.status, body: await response.json() };
      });
      assert.equal(answer.status, 403);
      assert.equal(answer.body.error.message, "this action needs the admin role");
    });
  } finally {
    await browser.close();
    await stack.close();
  }
});
