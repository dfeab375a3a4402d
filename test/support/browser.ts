/**
 * Headless Chromium for the console's tests: Debian's `chromium` package
 * driven by `playwright-core` (`npx playwright install` cannot download a
 * browser on our build machines). Screenshots go to test/output/screenshots/.
 * Playwright starts Chromium in a process group of its own; a watchdog ends
 * that group if the test runner dies (./process.ts).
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { watchGroup } from "./process.ts";

export const CHROMIUM_PATH = "/usr/bin/chromium";
const ROOT = new URL("../../", import.meta.url).pathname;
export const SCREENSHOTS = `${ROOT}test/output/screenshots`;

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** A running browser; close it in `finally`. */
export interface TestBrowser {
  browser: Browser;
  /** A page in a fresh context (own cookies), 1280×800. */
  newPage(): Promise<Page>;
  /** Saves a full-page PNG as test/output/screenshots/<name>.png; returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium.
 *
 * @throws {Error} saying how to install it, when /usr/bin/chromium is missing.
 */
export async function launchBrowser(): Promise<TestBrowser> {
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch (cause) {
    throw new Error(
      `Chromium is missing at ${CHROMIUM_PATH}; the console tests need Debian's chromium. ` +
        "Install it with `sudo apt-get update && sudo apt-get install -y chromium` " +
        "(`deno task ci` runs scripts/ensure_debian_package.sh, which does this as root).",
      { cause },
    );
  }
  const before = await chromiumChildren();
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
  // Playwright does not tell the pid: it is the Chromium child that was not there before.
  const watchdogs = (await chromiumChildren()).filter((pid) => !before.includes(pid))
    .map((pid) => watchGroup(pid));
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  return {
    browser,
    async newPage() {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      return await context.newPage();
    },
    async screenshot(page, name) {
      const path = `${SCREENSHOTS}/${name}.png`;
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await browser.close();
      await Promise.all(watchdogs.map((watchdog) => watchdog.stop()));
    },
  };
}

/** This process's direct children that run Chromium. */
async function chromiumChildren(): Promise<number[]> {
  const pids: number[] = [];
  for await (const task of Deno.readDir("/proc/self/task")) {
    const children = await Deno.readTextFile(`/proc/self/task/${task.name}/children`)
      .catch(() => "");
    for (const pid of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
      const command = await Deno.readTextFile(`/proc/${pid}/comm`).catch(() => "");
      if (command.trim() === "chromium") pids.push(pid);
    }
  }
  return pids;
}
