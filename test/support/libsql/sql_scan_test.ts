import assert from "node:assert/strict";
import { scanSql } from "./sql_scan.ts";

Deno.test("parameters are numbered as SQLite numbers them", () => {
  const scan = scanSql("SELECT ?, :name, ?5, ?, @name, :name, $other");
  assert.deepEqual(scan.parameters, [
    { index: 1, name: null },
    { index: 2, name: ":name" },
    { index: 5, name: "?5" },
    { index: 6, name: null },
    { index: 7, name: "@name" },
    { index: 8, name: "$other" },
  ]);
  assert.equal(scan.parameterCount, 8);
});

Deno.test("parameter-like text inside literals, identifiers and comments is ignored", () => {
  const scan = scanSql(`
    -- a comment with :nope and ?
    SELECT 'it''s :not ?', "col :x", [y ?], \`z @w\`, a$b /* :c ? */ FROM t WHERE id = :id
  `);
  assert.deepEqual(scan.parameters, [{ index: 1, name: ":id" }]);
  assert.equal(scan.statementCount, 1);
});

Deno.test("statements are counted, ignoring empty ones and trailing comments", () => {
  assert.equal(scanSql("").statementCount, 0);
  assert.equal(scanSql("  -- only a comment").statementCount, 0);
  assert.equal(scanSql("SELECT 1;").statementCount, 1);
  assert.equal(scanSql("SELECT 1; ; -- done").statementCount, 1);
  assert.equal(scanSql("SELECT ';'; SELECT 2").statementCount, 2);
});

Deno.test("a trigger body is flagged so its inner semicolons are allowed", () => {
  const scan = scanSql(
    "CREATE TRIGGER touch AFTER UPDATE ON t BEGIN UPDATE t SET at = 1 WHERE id = new.id; END",
  );
  assert.equal(scan.statementCount, 2);
  assert.equal(scan.mentionsTrigger, true);
  assert.equal(scanSql("SELECT 'trigger'; SELECT 1").mentionsTrigger, false);
});
