/**
 * Headless Chromium for the console's tests: Debian's `chromium` package
 * driven by `playwright-core` (`npx playwright install` cannot download a
 * browser on our build machines). Screenshots go to test/output/screenshots/.
 */
import { type Browser, chromium, type Page } from "playwright-core";

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
        "(`deno task ci` runs scripts/ensure_chromium.sh, which does this as root).",
      { cause },
    );
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS });
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
    close: () => browser.close(),
  };
}
