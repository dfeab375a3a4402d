/**
 * The outage buffer against a real libSQL server: writes made while libSQL
 * answers 503 or refuses connections are applied locally, answered from the
 * mirror, and replayed in order, exactly once, when it returns. The local
 * buffer file is opened through a libSQL server process of its own, as the
 * remote one is, so the native engine stays out of the test runner
 * (docs/testing.md); the core's own `file:` path runs in the outage drill.
 */
import assert from "node:assert/strict";
import { type Client, createClient } from "@libsql/client/web";
import { drizzle } from "drizzle-orm/libsql/web";
import * as schema from "../../shared/db/schema.ts";
import { BufferedClient } from "../../core/db/buffered_client.ts";
import { decodeStatements, encodeStatements } from "../../core/db/outbox.ts";
import { type NewJobRow, Store } from "../../core/db/store.ts";
import { isUnreachable } from "../../core/db/unreachable.ts";
import { createLogger } from "../../core/log.ts";
import { type LibsqlServer, startLibsqlServer } from "../support/libsql/server.ts";

function jobRow(id: string): NewJobRow {
  return {
    id,
    githubJobId: Number(id),
    runId: 1,
    installationId: 1,
    repoFullName: "octocat/hello-world",
    jobName: "build",
    sha: "abc",
    labels: ["self-hosted"],
    state: "queued",
    queuedAt: 1_000,
    updatedAt: 1_000,
  };
}

interface Rig {
  server: LibsqlServer;
  dir: string;
  /** A plain client on the core's local buffer file (through its own server process). */
  mirror(): Client;
  lines: string[];
  buffered: BufferedClient;
  store: Store;
  /** A plain client on libSQL, to see what really landed. */
  direct: Client;
  reopen(): Promise<void>;
  close(): Promise<void>;
}

async function rig(): Promise<Rig> {
  const dir = await Deno.makeTempDir({ prefix: "gantry-buffer-" });
  const server = await startLibsqlServer({ path: `${dir}/remote.db` });
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "json" }, (line) => lines.push(line));
  let local: { server: LibsqlServer; client: Client } | undefined;
  const openLocal = async (path: string) => {
    const server = await startLibsqlServer({ path });
    local = { server, client: createClient({ url: server.url }) };
    return createClient({ url: server.url });
  };
  const closeLocal = async () => {
    local?.client.close();
    await local?.server.close();
    local = undefined;
  };
  const open = () =>
    BufferedClient.open({
      remote: createClient({ url: server.url }),
      bufferPath: `${dir}/buffer.db`,
      log,
      timeoutMs: 2_000,
      retryMs: 50,
      openLocal,
    });
  const direct = createClient({ url: server.url });
  const r: Rig = {
    server,
    dir,
    lines,
    direct,
    mirror: () => local!.client,
    buffered: await open(),
    store: undefined as unknown as Store,
    async reopen() {
      await r.buffered.shutdown();
      await closeLocal();
      r.buffered = await open();
      r.store = new Store(r.buffered, drizzle(r.buffered, { schema }), {
        isOffline: () => r.buffered.isOffline,
      });
    },
    async close() {
      await r.buffered.shutdown();
      await closeLocal();
      direct.close();
      await r.server.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
  r.store = new Store(r.buffered, drizzle(r.buffered, { schema }), {
    isOffline: () => r.buffered.isOffline,
  });
  return r;
}

async function remoteTransitions(direct: Client, jobId: string): Promise<string[]> {
  const result = await direct.execute({
    sql: "SELECT from_state, to_state FROM job_transitions WHERE job_id = ? ORDER BY id",
    args: [jobId],
  });
  return result.rows.map((row) => `${row.from_state ?? "-"}>${row.to_state}`);
}

async function until(condition: () => Promise<boolean> | boolean, what: string) {
  const deadline = Date.now() + 10_000;
  while (!await condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("buffered statements keep their argument types through the outbox", () => {
  const statements = [
    {
      sql: "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)",
      args: [null, "text", 1.5, 12n, new Uint8Array([0, 255, 7]), true],
    },
    { sql: "UPDATE t SET a = :a", args: { a: new Date("2024-01-02T03:04:05.000Z") } },
    {
      sql: "DELETE FROM t",
    },
  ];
  assert.deepEqual(decodeStatements(encodeStatements(statements)), statements);
});

Deno.test("outages are told apart from refused statements", async () => {
  const server = await startLibsqlServer();
  const client = createClient({ url: server.url });
  try {
    const sqlError = await client.execute("SELECT * FROM nowhere").catch((e) => e);
    assert.equal(isUnreachable(sqlError), false, String(sqlError));
    await server.setUnavailable(5_000);
    const unavailable = await client.execute("SELECT 1").catch((e) => e);
    assert.equal(isUnreachable(unavailable), true, String(unavailable));
    await server.setUnavailable(0);
  } finally {
    client.close();
    await server.close();
  }
  const refused = await createClient({ url: server.url }).execute("SELECT 1").catch((e) => e);
  assert.equal(isUnreachable(refused), true, String(refused));
});

Deno.test("writes during a 503 outage are buffered, read back locally, replayed in order", async () => {
  const r = await rig();
  try {
    assert.equal(await r.store.insertJob(jobRow("1"), 1_000), true);
    await r.store.transitionJob("1", { from: "queued", to: "claimed", at: 1_001 });

    await r.server.setUnavailable(60_000);
    // Reads and writes go on: the mirror answers with what this core wrote.
    assert.equal((await r.store.job("1"))?.state, "claimed");
    assert.equal(r.buffered.isOffline, true);
    assert.equal(
      await r.store.transitionJob("1", { from: "claimed", to: "launching", at: 1_002 }),
      true,
    );
    assert.equal(await r.store.insertJob(jobRow("2"), 1_003), true);
    assert.equal(
      await r.store.insertJob(jobRow("2"), 1_003),
      false,
      "insert-or-ignore offline too",
    );
    await r.store.transitionJob("2", { from: "queued", to: "claimed", at: 1_004 });
    await r.store.transitionJob("1", { from: "launching", to: "starting", at: 1_005 });
    assert.equal(
      await r.store.transitionJob("1", { from: "launching", to: "starting", at: 1_006 }),
      false,
      "the optimistic check holds offline",
    );
    assert.equal((await r.store.job("1"))?.state, "starting");
    assert.equal((await r.store.job("2"))?.state, "claimed");
    // Six writes, the two no-ops included: the buffer keeps what was asked, libSQL judges on replay.
    assert.equal(await r.buffered.pending(), 6);
    assert.deepEqual(await remoteTransitionsWhenUp(r, "1"), ["->queued", "queued>claimed"]);

    await r.server.setUnavailable(0);
    await until(() => !r.buffered.isOffline, "the buffer is replayed");
    assert.equal(await r.buffered.pending(), 0);
    assert.deepEqual(await remoteTransitions(r.direct, "1"), [
      "->queued",
      "queued>claimed",
      "claimed>launching",
      "launching>starting",
    ]);
    assert.deepEqual(await remoteTransitions(r.direct, "2"), ["->queued", "queued>claimed"]);
    assert.ok(r.lines.some((l) => l.includes("buffering writes locally")));
    assert.ok(r.lines.some((l) => l.includes("buffered writes replayed")));
  } finally {
    await r.close();
  }
});

Deno.test("an outage seen by a read, with nothing buffered, ends only when libSQL answers", async () => {
  const r = await rig();
  try {
    assert.equal(await r.store.insertJob(jobRow("1"), 1_000), true);
    await r.server.setUnavailable(60_000);
    assert.equal((await r.store.job("1"))?.state, "queued");
    assert.equal(r.buffered.isOffline, true);
    assert.equal(await r.buffered.pending(), 0);
    // An empty outbox is no proof that libSQL is back: the replay must reach it first.
    await assert.rejects(r.buffered.flush(), (error) => isUnreachable(error));
    assert.equal(r.buffered.isOffline, true);
    assert.equal(r.lines.filter((l) => l.includes("buffered writes replayed")).length, 0);

    await r.server.setUnavailable(0);
    await r.buffered.flush();
    assert.equal(r.buffered.isOffline, false);
    const replays = r.lines.filter((l) => l.includes("buffered writes replayed"));
    assert.equal(replays.length, 1);
    assert.equal(JSON.parse(replays[0]).writes, 0);
  } finally {
    await r.close();
  }
});

Deno.test("the mirror keeps no roll-ups; libSQL's are right after a replay", async () => {
  const r = await rig();
  try {
    await r.store.insertJob(jobRow("1"), 1_000);
    await r.server.setUnavailable(60_000);
    await r.store.insertJob(jobRow("2"), 1_001);
    await r.store.insertJob(jobRow("3"), 1_002);
    assert.equal(r.buffered.isOffline, true);
    await r.server.setUnavailable(0);
    await until(() => !r.buffered.isOffline, "the buffer is replayed");
    const jobsCounted =
      "SELECT coalesce(sum(jobs), 0) AS n FROM job_rollups_daily WHERE kind = 'repo'";
    assert.equal(Number((await r.direct.execute(jobsCounted)).rows[0].n), 3);
    const triggers = await r.mirror().execute(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'trigger'",
    );
    assert.equal(Number(triggers.rows[0].n), 0, "the mirror pays for no roll-up triggers");
    assert.equal(Number((await r.mirror().execute(jobsCounted)).rows[0].n), 0);
  } finally {
    await r.close();
  }
});

/** libSQL's transitions while it refuses the buffered client: read its file through a second server. */
async function remoteTransitionsWhenUp(r: Rig, jobId: string): Promise<string[]> {
  const reader = await startLibsqlServer({ path: r.server.path });
  const client = createClient({ url: reader.url });
  try {
    return await remoteTransitions(client, jobId);
  } finally {
    client.close();
    await reader.close();
  }
}

Deno.test("a buffered write that had already reached libSQL is not applied twice", async () => {
  const r = await rig();
  try {
    await r.store.insertJob(jobRow("7"), 1_000);
    await r.server.setUnavailable(60_000);
    await r.store.transitionJob("7", { from: "queued", to: "claimed", at: 1_001 });
    await r.store.insertJob(jobRow("8"), 1_002);
    await r.server.setUnavailable(0);
    // The same writes reached libSQL before the connection dropped (as far as the core knows).
    const other = new Store(r.direct, drizzle(r.direct, { schema }));
    await other.transitionJob("7", { from: "queued", to: "claimed", at: 1_001 });
    await other.insertJob(jobRow("8"), 1_002);
    await until(() => !r.buffered.isOffline, "the buffer is replayed");
    assert.deepEqual(await remoteTransitions(r.direct, "7"), ["->queued", "queued>claimed"]);
    assert.deepEqual(await remoteTransitions(r.direct, "8"), ["->queued"]);
  } finally {
    await r.close();
  }
});

Deno.test("an audit row whose write reached libSQL before the outage is not written twice", async () => {
  const r = await rig();
  try {
    await r.server.setUnavailable(60_000);
    await r.store.audit({
      at: 1_000,
      actor: "reaper",
      action: "machine.terminate",
      target: "i-1",
    });
    assert.equal(r.buffered.isOffline, true);
    await r.server.setUnavailable(0);
    // The very statement buffered had reached libSQL before the answer was lost.
    const outbox = await r.mirror().execute("SELECT statements FROM gantry_outbox");
    assert.equal(outbox.rows.length, 1);
    await r.direct.batch(decodeStatements(String(outbox.rows[0].statements)), "write");
    await until(() => !r.buffered.isOffline, "the buffer is replayed");
    const rows = await r.direct.execute(
      "SELECT count(*) AS n FROM audit_events WHERE action = 'machine.terminate'",
    );
    assert.equal(Number(rows.rows[0].n), 1);
    assert.ok(!r.lines.some((l) => l.includes("refused a buffered write")), "ignored, not refused");
  } finally {
    await r.close();
  }
});

Deno.test("refused connections: buffered writes survive a restart of the core and of libSQL", async () => {
  const r = await rig();
  try {
    await r.store.insertJob(jobRow("11"), 1_000);
    const { port, path } = r.server;
    await r.server.close();
    await r.store.transitionJob("11", { from: "queued", to: "claimed", at: 1_001 });
    await r.store.insertJob(jobRow("12"), 1_002);
    assert.equal(await r.buffered.pending(), 2);

    // The core restarts while libSQL is still down: it runs on the mirror it left.
    await r.reopen();
    assert.equal(r.buffered.isOffline, true);
    assert.equal((await r.store.job("11"))?.state, "claimed");
    await r.store.transitionJob("11", { from: "claimed", to: "launching", at: 1_003 });

    r.server = await startLibsqlServer({ port, path });
    await until(() => !r.buffered.isOffline, "the buffer is replayed");
    assert.deepEqual(await remoteTransitions(r.direct, "11"), [
      "->queued",
      "queued>claimed",
      "claimed>launching",
    ]);
    assert.deepEqual(await remoteTransitions(r.direct, "12"), ["->queued"]);
  } finally {
    await r.close();
  }
});

Deno.test("a refused statement is an error, not an outage", async () => {
  const r = await rig();
  try {
    await assert.rejects(r.buffered.execute("INSERT INTO nowhere VALUES (1)"), /nowhere/);
    assert.equal(r.buffered.isOffline, false);
    assert.equal(await r.buffered.pending(), 0);
  } finally {
    await r.close();
  }
});

Deno.test("the mirror is refreshed from libSQL, so rows written by others are known offline", async () => {
  const r = await rig();
  try {
    const other = new Store(r.direct, drizzle(r.direct, { schema }));
    await other.insertJob(jobRow("21"), 1_000);
    await r.buffered.refreshMirror();
    await r.server.setUnavailable(60_000);
    assert.equal((await r.store.job("21"))?.state, "queued");
    await r.store.transitionJob("21", { from: "queued", to: "dropped", at: 1_001 });
    await r.server.setUnavailable(0);
    await until(() => !r.buffered.isOffline, "the buffer is replayed");
    assert.deepEqual(await remoteTransitions(r.direct, "21"), ["->queued", "queued>dropped"]);
  } finally {
    await r.close();
  }
});
