import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import { type LibsqlServer, startLibsqlServer } from "./server.ts";

/** Run `body` against a fresh server (its own temporary database) and close both afterwards. */
async function withServer(
  options: Parameters<typeof startLibsqlServer>[0],
  body: (server: LibsqlServer) => Promise<void>,
): Promise<void> {
  const server = await startLibsqlServer(options);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** POST a raw Hrana pipeline, as a client library would. */
async function pipeline(server: LibsqlServer, body: unknown, version = 3) {
  const response = await fetch(`${server.url}/v${version}/pipeline`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

Deno.test("a write from another stream waits for an open transaction to commit", async () => {
  await withServer({}, async (server) => {
    const client = createClient({ url: server.url });
    try {
      await client.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, source TEXT)");
      const transaction = await client.transaction("write");
      await transaction.execute("INSERT INTO events (id, source) VALUES (1, 'transaction')");
      const waiting = client.execute("INSERT INTO events (id, source) VALUES (2, 'autocommit')");
      await new Promise((resolve) => setTimeout(resolve, 100));
      await transaction.commit();
      assert.equal((await waiting).rowsAffected, 1);
      const rows = await client.execute("SELECT source FROM events ORDER BY id");
      assert.deepEqual(rows.rows.map((row) => row.source), ["transaction", "autocommit"]);
    } finally {
      client.close();
    }
  });
});

Deno.test("a write that waits too long fails with SQLITE_BUSY and leaves its stream usable", async () => {
  await withServer({ busyRetryMs: 150 }, async (server) => {
    const client = createClient({ url: server.url });
    try {
      await client.execute("CREATE TABLE t (x INTEGER)");
      const transaction = await client.transaction("write");
      await transaction.execute("INSERT INTO t VALUES (1)");
      const blocked = await pipeline(server, {
        baton: null,
        requests: [{ type: "execute", stmt: { sql: "INSERT INTO t VALUES (2)" } }],
      });
      assert.equal(blocked.body.results[0].error.code, "SQLITE_BUSY");
      await transaction.commit();
      const retried = await pipeline(server, {
        baton: blocked.body.baton,
        requests: [{ type: "execute", stmt: { sql: "INSERT INTO t VALUES (3)" } }, {
          type: "close",
        }],
      });
      assert.equal(retried.body.results[0].type, "ok");
      const rows = await client.execute("SELECT x FROM t ORDER BY x");
      assert.deepEqual(rows.rows.map((row) => row.x), [1, 3]);
    } finally {
      client.close();
    }
  });
});

Deno.test("an idle stream expires and its open transaction rolls back", async () => {
  await withServer({ idleStreamMs: 100 }, async (server) => {
    const client = createClient({ url: server.url });
    try {
      await client.execute("CREATE TABLE t (x INTEGER)");
      const transaction = await client.transaction("write");
      await transaction.execute("INSERT INTO t VALUES (1)");
      assert.equal(await server.openStreams(), 1);
      // Expiry is the server's timer: wait for the stream to go, with a bound.
      const deadline = performance.now() + 10_000;
      while (await server.openStreams() > 0 && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal(await server.openStreams(), 0);
      await assert.rejects(transaction.execute("SELECT 1"), /expired/);
      transaction.close();
      assert.equal((await client.execute("SELECT count(*) AS n FROM t")).rows[0].n, 0);
    } finally {
      client.close();
    }
  });
});

Deno.test("Hrana 3 pipelines: batons, stored SQL, conditions, autocommit and close", async () => {
  await withServer({}, async (server) => {
    const versions = await Promise.all(
      ["v2", "v3", "v3-protobuf"].map(async (path) => {
        const response = await fetch(`${server.url}/${path}`);
        await response.body?.cancel();
        return response.status;
      }),
    );
    assert.deepEqual(versions, [200, 200, 404]);

    const first = await pipeline(server, {
      baton: null,
      requests: [
        { type: "store_sql", sql_id: 1, sql: "INSERT INTO t VALUES (?)" },
        { type: "sequence", sql: "CREATE TABLE t (x INTEGER); BEGIN" },
        { type: "execute", stmt: { sql_id: 1, args: [{ type: "integer", value: "7" }] } },
        { type: "get_autocommit" },
        { type: "describe", sql: "SELECT x FROM t WHERE x > :min" },
      ],
    });
    assert.equal(first.status, 200);
    assert.equal(typeof first.body.baton, "string");
    assert.deepEqual(first.body.results.map((r: { type: string }) => r.type), [
      "ok",
      "ok",
      "ok",
      "ok",
      "ok",
    ]);
    assert.equal(first.body.results[2].response.result.affected_row_count, 1);
    assert.equal(first.body.results[2].response.result.last_insert_rowid, "1");
    assert.equal(first.body.results[3].response.is_autocommit, false);
    assert.deepEqual(first.body.results[4].response.result.params, [{ name: ":min" }]);
    assert.deepEqual(first.body.results[4].response.result.cols, [
      { name: "x", decltype: "INTEGER" },
    ]);

    const second = await pipeline(server, {
      baton: first.body.baton,
      requests: [{
        type: "batch",
        batch: {
          steps: [
            { stmt: { sql: "SELECT * FROM missing" } },
            { condition: { type: "error", step: 0 }, stmt: { sql: "ROLLBACK" } },
            { condition: { type: "ok", step: 0 }, stmt: { sql: "COMMIT" } },
            {
              condition: {
                type: "and",
                conds: [{ type: "is_autocommit" }, { type: "not", cond: { type: "ok", step: 2 } }],
              },
              stmt: { sql: "SELECT count(*) FROM t", want_rows: true },
            },
          ],
        },
      }, { type: "close" }],
    });
    const batch = second.body.results[0].response.result;
    assert.match(batch.step_errors[0].message, /no such table/);
    assert.equal(batch.step_errors[0].code, "SQLITE_ERROR");
    assert.notEqual(batch.step_results[1], null);
    assert.equal(batch.step_results[2], null);
    assert.deepEqual(batch.step_results[3].rows, [[{ type: "integer", value: "0" }]]);
    assert.equal(second.body.baton, null);

    const reused = await pipeline(server, { baton: first.body.baton, requests: [] });
    assert.equal(reused.status, 400);
    assert.equal(reused.body.code, "STREAM_EXPIRED");

    const v2 = await pipeline(server, { baton: null, requests: [{ type: "get_autocommit" }] }, 2);
    assert.equal(v2.body.results[0].type, "error");
    await pipeline(server, { baton: v2.body.baton, requests: [{ type: "close" }] }, 2);

    const bad = await pipeline(server, { requests: [{ type: "nonsense" }] });
    assert.equal(bad.status, 400);
  });
});
