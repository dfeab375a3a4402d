/**
 * axe-core (the engine behind most accessibility checkers) run inside a
 * Chromium page through playwright-core, limited to the WCAG 2 A and AA rules.
 */
import type { Page } from "playwright-core";

const AXE_SOURCE = await Deno.readTextFile(
  new URL("../../node_modules/axe-core/axe.min.js", import.meta.url),
);

/** The WCAG 2.0/2.1/2.2 level A and AA tags axe knows. */
export const WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** One broken rule on a page: its id and the elements that break it. */
export interface Violation {
  rule: string;
  impact: string | null;
  targets: string[];
}

/** Runs axe's WCAG 2 A/AA rules on what the page shows now. */
export async function axeViolations(page: Page): Promise<Violation[]> {
  // Runtime evaluation, not a <script> tag: no page policy can refuse it.
  const loaded = await page.evaluate("typeof globalThis.axe === 'object'");
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return await page.evaluate(async (tags) => {
    type AxeResult = {
      violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
    };
    const axe = (globalThis as unknown as {
      axe: { run(context: Document, options: unknown): Promise<AxeResult> };
    }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.map((v) => ({
      rule: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(" ")),
    }));
  }, WCAG_AA_TAGS);
}

/** How many elements break a rule, across all the rules. */
export function elementCount(violations: readonly Violation[]): number {
  return violations.reduce((sum, v) => sum + v.targets.length, 0);
}
