import assert from "node:assert/strict";
import { createClient, LibsqlError } from "@libsql/client/web";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/libsql/web";
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
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

Deno.test("execute binds positional and named args and returns typed values", async () => {
  await withServer({}, async (server) => {
    const client = createClient({ url: server.url });
    try {
      await client.execute(
        "CREATE TABLE pools (id INTEGER PRIMARY KEY, name TEXT, price REAL, blob BLOB, note TEXT)",
      );
      const inserted = await client.execute({
        sql: "INSERT INTO pools (name, price, blob, note) VALUES (?, ?, ?, ?)",
        args: ["linux-x64", 0.25, new Uint8Array([1, 2, 3]), null],
      });
      assert.equal(inserted.rowsAffected, 1);
      assert.equal(inserted.lastInsertRowid, 1n);

      await client.execute({
        sql: "INSERT INTO pools (name, price) VALUES (:name, @price)",
        args: { name: "arm64", price: 3 },
      });
      await client.execute({
        sql: "INSERT INTO pools (name, price) VALUES ($name, ?2)",
        args: { $name: "gpu", 2: 9.5 },
      });

      const result = await client.execute(
        "SELECT id, name, price, blob, note FROM pools ORDER BY id",
      );
      assert.deepEqual(result.columns, ["id", "name", "price", "blob", "note"]);
      assert.deepEqual(result.columnTypes, ["INTEGER", "TEXT", "REAL", "BLOB", "TEXT"]);
      assert.equal(result.rowsAffected, 0);
      assert.deepEqual(result.rows.map((row) => [row.id, row.name, row.price, row.note]), [
        [1, "linux-x64", 0.25, null],
        [2, "arm64", 3, null],
        [3, "gpu", 9.5, null],
      ]);
      assert.deepEqual([...new Uint8Array(result.rows[0].blob as ArrayBuffer)], [1, 2, 3]);

      const updated = await client.execute("UPDATE pools SET price = price * 2 WHERE price < 5");
      assert.equal(updated.rowsAffected, 2);
    } finally {
      client.close();
    }
  });
});

Deno.test("bigint mode round-trips integers beyond 2^53 exactly", async () => {
  await withServer({}, async (server) => {
    const client = createClient({ url: server.url, intMode: "bigint" });
    try {
      const result = await client.execute({
        sql: "SELECT ? AS n, 1.0 AS f",
        args: [9007199254740993n],
      });
      assert.equal(result.rows[0].n, 9007199254740993n);
      assert.equal(result.rows[0].f, 1);
    } finally {
      client.close();
    }
  });
});

Deno.test("a SQL error is reported with its SQLite code and the stream keeps working", async () => {
  await withServer({}, async (server) => {
    const client = createClient({ url: server.url });
    try {
      await client.execute("CREATE TABLE leases (id TEXT PRIMARY KEY)");
      await client.execute("INSERT INTO leases VALUES ('a')");
      await assert.rejects(
        client.execute("INSERT INTO leases VALUES ('a')"),
        (error: unknown) =>
          error instanceof LibsqlError && error.code === "SQLITE_CONSTRAINT_PRIMARYKEY",
      );
      await assert.rejects(client.execute("SELECT * FROM missing"), /no such table: missing/);
      await assert.rejects(client.execute("SELECT 1; SELECT 2"), /more than one statement/);
      assert.equal((await client.execute("SELECT count(*) AS n FROM leases")).rows[0].n, 1);
    } finally {
      client.close();
    }
  });
});

Deno.test("batch('write') is atomic: a failing statement rolls back the earlier ones", async () => {
  await withServer({}, async (server) => {
    const client = createClient({ url: server.url });
    try {
      await client.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, state TEXT NOT NULL)");
      await assert.rejects(
        client.batch([
          { sql: "INSERT INTO jobs (id, state) VALUES (?, ?)", args: [1, "queued"] },
          { sql: "INSERT INTO jobs (id, state) VALUES (?, ?)", args: [2, "queued"] },
          { sql: "INSERT INTO jobs (id, state) VALUES (?, ?)", args: [3, null] },
        ], "write"),
        /NOT NULL constraint failed/,
      );
      assert.equal((await client.execute("SELECT count(*) AS n FROM jobs")).rows[0].n, 0);

      const results = await client.batch([
        { sql: "INSERT INTO jobs (id, state) VALUES (?, ?)", args: [1, "queued"] },
        { sql: "UPDATE jobs SET state = 'running' WHERE id = ?", args: [1] },
        "SELECT state FROM jobs",
      ], "write");
      assert.equal(results.length, 3);
      assert.equal(results[1].rowsAffected, 1);
      assert.equal(results[2].rows[0].state, "running");
    } finally {
      client.close();
    }
  });
});

Deno.test("executeMultiple runs a sequence of statements", async () => {
  await withServer({}, async (server) => {
    const client = createClient({ url: server.url });
    try {
      await client.executeMultiple(`
        CREATE TABLE a (x INTEGER); -- first
        INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);
      `);
      assert.equal((await client.execute("SELECT sum(x) AS s FROM a")).rows[0].s, 3);
    } finally {
      client.close();
    }
  });
});

Deno.test("an interactive transaction commits, and another rolls back", async () => {
  await withServer({}, async (server) => {
    const client = createClient({ url: server.url });
    const observer = createClient({ url: server.url });
    try {
      await client.execute("CREATE TABLE runners (name TEXT PRIMARY KEY)");

      const committed = await client.transaction("write");
      await committed.execute({ sql: "INSERT INTO runners VALUES (?)", args: ["r-1"] });
      const inside = await committed.execute("SELECT count(*) AS n FROM runners");
      assert.equal(inside.rows[0].n, 1);
      // Another stream does not see the uncommitted row.
      assert.equal((await observer.execute("SELECT count(*) AS n FROM runners")).rows[0].n, 0);
      await committed.commit();
      assert.equal((await observer.execute("SELECT count(*) AS n FROM runners")).rows[0].n, 1);

      const rolledBack = await client.transaction("write");
      await rolledBack.execute({ sql: "INSERT INTO runners VALUES (?)", args: ["r-2"] });
      await rolledBack.rollback();
      const names = await observer.execute("SELECT name FROM runners ORDER BY name");
      assert.deepEqual(names.rows.map((row) => row.name), ["r-1"]);
      assert.equal(await server.openStreams(), 0);
    } finally {
      client.close();
      observer.close();
    }
  });
});

const pools = sqliteTable("pools", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  name: text("name").notNull().unique(),
  cap: integer("cap").notNull().default(0),
  isSpot: integer("is_spot", { mode: "boolean" }).notNull().default(false),
});

Deno.test("drizzle inserts, selects, updates and rolls back through the server", async () => {
  await withServer({}, async (server) => {
    const client = createClient({ url: server.url });
    try {
      const db = drizzle(client);
      await db.run(
        "CREATE TABLE pools (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, cap INTEGER NOT NULL DEFAULT 0, is_spot INTEGER NOT NULL DEFAULT 0)",
      );
      const [linux] = await db.insert(pools).values({ name: "linux", cap: 10 }).returning();
      assert.deepEqual(linux, { id: 1, name: "linux", cap: 10, isSpot: false });
      await db.insert(pools).values([{ name: "spot", isSpot: true }, { name: "gpu", cap: 2 }]);
      await db.update(pools).set({ cap: 20 }).where(eq(pools.name, "linux"));

      const spot = await db.select().from(pools).where(eq(pools.isSpot, true));
      assert.deepEqual(spot.map((pool) => pool.name), ["spot"]);
      const all = await db.select({ name: pools.name, cap: pools.cap }).from(pools).orderBy(
        pools.id,
      );
      assert.deepEqual(all, [
        { name: "linux", cap: 20 },
        { name: "spot", cap: 0 },
        { name: "gpu", cap: 2 },
      ]);

      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.insert(pools).values({ name: "doomed" });
          tx.rollback();
        }),
        /Rollback/,
      );
      assert.equal((await db.select().from(pools)).length, 3);
    } finally {
      client.close();
    }
  });
});

Deno.test("with an auth token, a client without it is refused and one with it works", async () => {
  await withServer({ authToken: "s3cret" }, async (server) => {
    const anonymous = createClient({ url: server.url });
    const wrong = createClient({ url: server.url, authToken: "nope" });
    const authorized = createClient({ url: server.url, authToken: "s3cret" });
    try {
      await assert.rejects(anonymous.execute("SELECT 1"), /401/);
      await assert.rejects(wrong.execute("SELECT 1"), /401/);
      assert.equal((await authorized.execute("SELECT 1 AS one")).rows[0].one, 1);
    } finally {
      anonymous.close();
      wrong.close();
      authorized.close();
    }
  });
});

Deno.test("setUnavailable makes clients fail with 503 until the window passes", async () => {
  await withServer({}, async (server) => {
    const client = createClient({ url: server.url });
    try {
      assert.equal((await client.execute("SELECT 1 AS one")).rows[0].one, 1);
      await server.setUnavailable(300);
      await assert.rejects(
        client.execute("SELECT 1"),
        (error: unknown) => error instanceof LibsqlError && /503/.test(error.message),
      );
      // The window passes: answers come back (polled with a bound, not slept through).
      const deadline = performance.now() + 10_000;
      let answer = await client.execute("SELECT 2 AS two").catch((error: unknown) => error);
      while (answer instanceof LibsqlError && performance.now() < deadline) {
        assert.match(answer.message, /503/);
        await new Promise((resolve) => setTimeout(resolve, 50));
        answer = await client.execute("SELECT 2 AS two").catch((error: unknown) => error);
      }
      assert.equal((answer as { rows: { two: unknown }[] }).rows[0].two, 2);

      const control = await fetch(`${server.url}/_libsql/unavailable`, {
        method: "POST",
        body: JSON.stringify({ ms: 60_000 }),
      });
      assert.equal(control.status, 200);
      await control.body?.cancel();
      await assert.rejects(client.execute("SELECT 1"), /503/);
      const reset = await fetch(`${server.url}/_libsql/unavailable`, {
        method: "POST",
        body: JSON.stringify({ ms: 0 }),
      });
      await reset.body?.cancel();
      assert.equal((await client.execute("SELECT 3 AS three")).rows[0].three, 3);
    } finally {
      client.close();
    }
  });
});

Deno.test("the @libsql/client/web entry (used by the Worker) reads and writes", async () => {
  await withServer({ authToken: "edge-token" }, async (server) => {
    const client = createClient({ url: server.url, authToken: "edge-token" });
    try {
      await client.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, name TEXT)");
      await client.batch([
        { sql: "INSERT INTO jobs (name) VALUES (?)", args: ["build"] },
        { sql: "INSERT INTO jobs (name) VALUES (?)", args: ["test"] },
      ], "write");
      const result = await client.execute("SELECT name FROM jobs ORDER BY id");
      assert.deepEqual(result.rows.map((row) => row.name), ["build", "test"]);
      const transaction = await client.transaction("read");
      assert.equal((await transaction.execute("SELECT count(*) AS n FROM jobs")).rows[0].n, 2);
      await transaction.commit();
    } finally {
      client.close();
    }
  });
});

Deno.test("main.ts serves as a standalone process until SIGTERM", async () => {
  const path = await Deno.makeTempFile({ suffix: ".db" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("./main.ts", import.meta.url).pathname,
      "--port",
      "0",
      "--path",
      path,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let output = "";
    while (!output.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      output += value;
    }
    const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
    assert.ok(url, `unexpected output: ${output}`);
    const client = createClient({ url });
    await client.execute("CREATE TABLE t (x INTEGER)");
    await client.execute("INSERT INTO t VALUES (42)");
    client.close();
    child.kill("SIGTERM");
    assert.equal((await child.status).code, 0);
    await reader.cancel();

    const server = await startLibsqlServer({ path });
    const reopened = createClient({ url: server.url });
    assert.equal((await reopened.execute("SELECT x FROM t")).rows[0].x, 42);
    reopened.close();
    await server.close();
  } finally {
    await Deno.remove(path).catch(() => undefined);
    for (const suffix of ["-wal", "-shm"]) await Deno.remove(path + suffix).catch(() => undefined);
  }
});
