/**
 * Refused configuration changes in the audit trail, the edge in workerd
 * against libSQL: a 400, a 409, a 404 and a viewer's 403 each leave exactly
 * one failed row (who, which action, what, status and message) that the
 * Audit page's `outcome=failed` filter shows; an accepted change still leaves
 * one ok row; a dry-run import leaves none; and with libSQL unavailable the
 * operator still gets the original 400.
 */
import assert from "node:assert/strict";
import type { AuditEventView, AuditResponse } from "../../shared/schema/audit.ts";
import { operatorToken } from "../support/operator.ts";
import { type ConsoleStack, SESSION_SECRET, startConsoleStack } from "./stack.ts";

const ACTOR = "test-operator-admin@example.com";
const VIEWER_ACTOR = "test-operator-viewer@example.com";

const POOL = {
  name: "large",
  ami: "ami-0abcdef1234567890",
  instanceTypes: ["m5.large"],
  subnets: ["subnet-aaa111"],
};

type Caller = (method: string, path: string, body?: unknown) => Promise<Response>;

function callerOf(stack: ConsoleStack, token: string): Caller {
  return (method, path, body) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

async function json(response: Response, status: number) {
  const text = await response.text();
  assert.equal(response.status, status, text);
  return text ? JSON.parse(text) : null;
}

Deno.test("configuration API: refused changes are audited as failed", async (t) => {
  const stack = await startConsoleStack();
  const admin = callerOf(stack, await operatorToken(SESSION_SECRET, "admin"));
  const viewer = callerOf(stack, await operatorToken(SESSION_SECRET, "viewer"));
  const audit = async (query: string): Promise<AuditResponse> =>
    await json(await admin("GET", `/api/v1/audit?limit=200&${query}`), 200);
  const failed = async () => (await audit("outcome=failed")).events;
  /** Runs `refuse` and returns the one failed row it added. */
  const onlyNewFailure = async (refuse: () => Promise<void>): Promise<AuditEventView> => {
    const before = await failed();
    await refuse();
    const after = await failed();
    assert.equal(after.length, before.length + 1, "exactly one failed row");
    assert.deepEqual(after.slice(1), before, "the new row is the newest");
    return after[0];
  };
  try {
    let projectId = "";
    let poolId = "";

    await t.step("an accepted change leaves one ok row and no failed one", async () => {
      const created = await json(await admin("POST", "/api/v1/projects", { name: "my-app" }), 201);
      projectId = created.project.id;
      const pool = await json(await admin("POST", "/api/v1/pools", { ...POOL, projectId }), 201);
      poolId = pool.pool.id;
      const rows = (await audit("action=pool.create")).events;
      assert.deepEqual(rows.map((r) => [r.outcome, r.actor, r.target]), [
        ["ok", ACTOR, "my-app/large"],
      ]);
      assert.deepEqual(await failed(), []);
    });

    await t.step("a bad pool body (400): action, target, status, message, fields", async () => {
      let answer: { error: { message: string; issues: { path: string }[] } } | null = null;
      const row = await onlyNewFailure(async () => {
        answer = await json(
          await admin("POST", "/api/v1/pools", {
            ...POOL,
            name: "small",
            projectId,
            instanceTypes: [],
            rootVolumeGb: 0,
          }),
          400,
        );
      });
      assert.ok(answer);
      const { error } = answer as { error: { message: string; issues: { path: string }[] } };
      assert.deepEqual(error.issues.map((i) => i.path).sort(), ["instanceTypes", "rootVolumeGb"]);
      assert.equal(row.actor, ACTOR);
      assert.equal(row.action, "pool.create");
      assert.equal(row.target, "my-app/small");
      assert.equal(row.outcome, "failed");
      assert.deepEqual(row.payload, {
        status: 400,
        code: "invalid",
        error: error.message,
        fields: error.issues.map((i) => i.path),
      });
    });

    await t.step("a duplicate pool name (409)", async () => {
      let message = "";
      const row = await onlyNewFailure(async () => {
        const body = await json(
          await admin("POST", "/api/v1/pools", { ...POOL, name: "LARGE", projectId }),
          409,
        );
        message = body.error.message;
      });
      assert.match(message, /runner label "large"/);
      assert.equal(row.action, "pool.create");
      assert.equal(row.target, "my-app/LARGE");
      assert.deepEqual(row.payload, { status: 409, code: "conflict", error: message });
    });

    await t.step("an unknown pool (404) and a project still in use (409), by id", async () => {
      const missing = await onlyNewFailure(async () => {
        const body = await json(await admin("DELETE", "/api/v1/pools/no-such-pool"), 404);
        assert.equal(body.error.message, "no pool with id no-such-pool");
      });
      assert.equal(missing.action, "pool.delete");
      assert.equal(missing.target, "no-such-pool", "nothing stored by that id: the id");
      assert.deepEqual(missing.payload, {
        status: 404,
        code: "not_found",
        error: "no pool with id no-such-pool",
        id: "no-such-pool",
      });
      const inUse = await onlyNewFailure(async () => {
        await json(await admin("DELETE", `/api/v1/projects/${projectId}`), 409);
      });
      assert.equal(inUse.action, "project.delete");
      assert.equal(inUse.target, "my-app", "the stored project's name");
      assert.equal(inUse.payload?.status, 409);
    });

    await t.step("a viewer's change (403) is audited under the viewer", async () => {
      const row = await onlyNewFailure(async () => {
        await json(await viewer("DELETE", `/api/v1/pools/${poolId}`), 403);
      });
      assert.equal(row.actor, VIEWER_ACTOR);
      assert.equal(row.action, "pool.delete");
      assert.equal(row.target, "my-app/large");
      assert.deepEqual(row.payload, {
        status: 403,
        code: "forbidden",
        error: "this action needs the admin role",
        id: poolId,
      });
    });

    await t.step(
      "a dry-run import writes no row, refused or not; an applied one does",
      async () => {
        const before = (await audit("")).total;
        const backup = { kind: "gantry-backup", version: 1, projects: [{ name: "other" }] };
        await json(await admin("POST", "/api/v1/backup/import?dryRun=true", backup), 200);
        await json(
          await admin("POST", "/api/v1/backup/import?dryRun=true", { ...backup, version: 9 }),
          400,
        );
        assert.equal((await audit("")).total, before, "dry runs are reads");
        const row = await onlyNewFailure(async () => {
          await json(await admin("POST", "/api/v1/backup/import", { ...backup, version: 9 }), 400);
        });
        assert.equal(row.action, "backup.import");
        assert.equal(row.target, null);
        assert.equal(row.payload?.status, 400);
        assert.deepEqual(row.payload?.fields, ["version"]);
      },
    );

    await t.step("the Audit page's tally counts the refusals", async () => {
      const tally = await audit("outcome=failed");
      assert.equal(tally.total, 6);
      assert.equal(tally.failures, 6);
      assert.deepEqual((await audit("action=pool.create")).events.map((r) => r.outcome), [
        "failed",
        "failed",
        "ok",
      ]);
    });

    await t.step("libSQL unavailable: the operator still gets the original 400", async () => {
      const before = await failed();
      await stack.libsql.setUnavailable(60_000);
      try {
        const body = await json(
          await admin("POST", "/api/v1/pools", { ...POOL, projectId, instanceTypes: [] }),
          400,
        );
        assert.equal(body.error.code, "invalid");
        assert.deepEqual(body.error.issues.map((i: { path: string }) => i.path), [
          "instanceTypes",
        ]);
      } finally {
        await stack.libsql.setUnavailable(0);
      }
      assert.deepEqual(await failed(), before, "the row was not written, and nothing broke");
    });
  } finally {
    await stack.close();
  }
});
