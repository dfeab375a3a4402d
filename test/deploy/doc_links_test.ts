/**
 * The docs stay navigable as they move: every relative link in README.md,
 * SECURITY.md and docs/*.md names a file that exists and, with a `#fragment`,
 * a heading of that file (GitHub's anchor rule: lower case, punctuation
 * other than `-` and `_` dropped, spaces to hyphens).
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** GitHub's anchor of a heading's text. */
export function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{M}\p{N} _-]/gu, "").replace(/ /g, "-");
}

/** Relative link targets of a markdown text (links to the web and mail left out). */
export function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  for (const match of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (!/^[a-z]+:/i.test(match[1])) links.push(match[1]);
  }
  return links;
}

function anchors(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1])),
  );
}

Deno.test("GitHub anchors: case, punctuation and backticks", () => {
  assert.equal(anchorOf("Console: overview, stats, audit"), "console-overview-stats-audit");
  assert.equal(anchorOf("5. The edge"), "5-the-edge");
  assert.equal(anchorOf("`AUTH_DISABLED` with proof"), "auth_disabled-with-proof");
  assert.deepEqual(relativeLinks("[a](docs/x.md#y) [b](https://e.com) [c](#z)"), [
    "docs/x.md#y",
    "#z",
  ]);
});

Deno.test("every relative link in the docs names a file and heading that exist", async () => {
  const docs = ["README.md", "SECURITY.md"];
  for await (const entry of Deno.readDir(new URL("docs/", ROOT))) {
    if (entry.name.endsWith(".md")) docs.push(`docs/${entry.name}`);
  }
  const broken: string[] = [];
  let checked = 0;
  for (const doc of docs) {
    const base = new URL(doc, ROOT);
    for (const link of relativeLinks(await Deno.readTextFile(base))) {
      checked++;
      const [path, fragment] = link.split("#");
      const target = path ? new URL(path, base) : base;
      let text: string | undefined;
      try {
        const stat = await Deno.stat(target);
        if (stat.isFile && target.pathname.endsWith(".md")) text = await Deno.readTextFile(target);
      } catch {
        broken.push(`${doc}: ${link} (no such file)`);
        continue;
      }
      if (fragment && text !== undefined && !anchors(text).has(fragment)) {
        broken.push(`${doc}: ${link} (no such heading)`);
      }
    }
  }
  assert.deepEqual(broken, []);
  assert.ok(checked >= 20, `only ${checked} links found: is the link pattern still right?`);
});
