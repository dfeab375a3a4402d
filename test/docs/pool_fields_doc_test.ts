/**
 * The configuration reference's pool table is the pool field table
 * (`shared/pool_fields.ts`) rendered: a field added there fails this test
 * until docs/configuration.md lists it. On a mismatch the expected table is
 * printed, ready to paste between the markers.
 */
import assert from "node:assert/strict";
import { POOL_FIELD_KEYS, POOL_FIELDS, POOL_STATUS_FIELDS } from "../../shared/pool_fields.ts";

const BEGIN = "<!-- pool-fields:begin (generated from shared/pool_fields.ts) -->";
const END = "<!-- pool-fields:end -->";

function defaultText(value: unknown): string {
  if (value === undefined) return "required";
  if (value === null) return "unset";
  return `\`${JSON.stringify(value)}\``;
}

/** The table as docs/configuration.md holds it. */
export function poolFieldsTable(): string {
  const rows = POOL_FIELD_KEYS.map((key) => {
    const field = POOL_FIELDS[key];
    return `| \`${field.yaml}\` | \`${key}\` | ${defaultText(field.default)} | ` +
      `${field.isEditable ? "yes" : "no"} | ${field.description} |`;
  });
  const status = Object.entries(POOL_STATUS_FIELDS).map(([key, field]) =>
    `| — | \`${key}\` | set by the core | ${
      field.isEditable ? "yes" : "no"
    } | ${field.description} |`
  );
  return [
    "| YAML key | API / backup key | default | operator edits | what |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    ...status,
  ].join("\n");
}

Deno.test("docs/configuration.md lists every pool field as the field table declares it", async () => {
  const doc = await Deno.readTextFile(new URL("../../docs/configuration.md", import.meta.url));
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  assert.ok(start >= 0 && end > start, `docs/configuration.md lacks the ${BEGIN} markers`);
  const table = doc.slice(start + BEGIN.length, end).trim();
  const normalise = (text: string) =>
    text.split("\n").map((line) => line.replace(/\s*\|\s*/g, "|").replace(/-{3,}/g, "---"))
      .join("\n");
  assert.equal(normalise(table), normalise(poolFieldsTable()), poolFieldsTable());
});
