/**
 * `/api/v1/dead-letters` (edge/queue/dead_letter_routes.ts) at its guards,
 * in workerd: who may list and requeue, a cross-site requeue refused, event
 * ids that are not whole positive numbers refused with the field named, and
 * the routes' lines in the OpenAPI document. The listing and the requeue of
 * a real dead letter are in queue_object_test.ts and sharded_lease_test.ts.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import { operatorToken } from "../support/operator.ts";
import { edgeForRun } from "../support/shared_edge.ts";

const SESSION = "dead-letter-routes-session-0123456789";

Deno.test("dead-letter routes: access, origin, ids, and their OpenAPI lines", async (t) => {
  const edge = await edgeForRun({
    GITHUB_WEBHOOK_SECRET: "dead-letter-routes-secret",
    SESSION_SECRET: SESSION,
  }, { libsql: true });
  const call = async (
    method: string,
    path: string,
    role: "viewer" | "admin" | null,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${edge.url}${path}`, {
      method,
      headers: {
        ...(role ? { authorization: `Bearer ${await operatorToken(SESSION, role)}` } : {}),
        ...headers,
      },
    });
    return [response.status, await response.json()] as const;
  };
  try {
    await t.step("a viewer lists; nobody else does", async () => {
      assert.deepEqual(await call("GET", "/api/v1/dead-letters", "viewer"), [200, {
        deadLetters: [],
      }]);
      const [status, body] = await call("GET", "/api/v1/dead-letters", null);
      assert.deepEqual([status, body.error.code], [401, "unauthorized"]);
    });

    await t.step("only an admin requeues, and not from another site", async () => {
      const [byViewer, viewerBody] = await call(
        "POST",
        "/api/v1/dead-letters/64/requeue",
        "viewer",
      );
      assert.deepEqual([byViewer, viewerBody.error.code], [403, "forbidden"]);
      const [crossSite, crossBody] = await call(
        "POST",
        "/api/v1/dead-letters/64/requeue",
        "admin",
        {
          "sec-fetch-site": "cross-site",
        },
      );
      assert.deepEqual([crossSite, crossBody.error.code], [403, "forbidden"]);
      const [missing, missingBody] = await call("POST", "/api/v1/dead-letters/64/requeue", "admin");
      assert.deepEqual([missing, missingBody.error], [404, {
        code: "not_found",
        message: "no dead letter 64",
      }]);
      // Refused before the queue was asked: only the admin's attempt is audited.
      const client = createClient({ url: edge.libsqlUrl! });
      const audit = await client.execute("SELECT action, target, outcome FROM audit_events");
      client.close();
      assert.deepEqual(audit.rows.map((row) => ({ ...row })), [
        { action: "dead_letter.requeue", target: "64", outcome: "failed" },
      ]);
    });

    await t.step("an event id must be a whole positive number", async () => {
      for (const id of ["abc", "0", "-64", "1.5"]) {
        const [status, body] = await call("POST", `/api/v1/dead-letters/${id}/requeue`, "admin");
        assert.equal(status, 400, id);
        assert.equal(body.error.code, "invalid", id);
        assert.match(body.error.message, /^invalid event id: \(root\): /, id);
      }
    });

    await t.step("the OpenAPI document describes both routes", async () => {
      const [status, document] = await call("GET", "/api/v1/openapi.json", "viewer");
      assert.equal(status, 200);
      const list = document.paths["/api/v1/dead-letters"].get;
      const requeue = document.paths["/api/v1/dead-letters/{eventId}/requeue"].post;
      assert.deepEqual(
        [list.summary, list["x-gantry-access"], requeue.summary, requeue["x-gantry-access"]],
        [
          "Events the queue gave up on, newest first",
          "viewer",
          "Put a dead letter back with fresh deliveries (audited)",
          "admin",
        ],
      );
      // The list's answer is documented as its schema: an array of dead letters, each with its
      // event id, delivery count, times and message.
      const listed = list.responses["200"].content["application/json"].schema;
      assert.deepEqual([listed.required, listed.properties.deadLetters.type], [
        ["deadLetters"],
        "array",
      ]);
      assert.deepEqual(listed.properties.deadLetters.items.required, [
        "eventId",
        "deliveries",
        "enqueuedAt",
        "deadAt",
        "message",
      ]);
      assert.deepEqual(
        Object.keys(requeue.responses).filter((code) => ["200", "400", "404"].includes(code)),
        ["200", "400", "404"],
      );
    });
  } finally {
    await edge.stop();
  }
});
