/**
 * The control API end to end: the edge in workerd records an operator's
 * request in libSQL, a real core process takes it on its control call and
 * carries it out against the EC2 emulator and the GitHub fake, within 5 s.
 */
import assert from "node:assert/strict";
import { eventually, SESSION_SECRET, startDrillStack } from "../drills/drill_stack.ts";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { operatorToken, seedTestOperators } from "../support/operator.ts";

/** How long an action may take from request to done (the bound). */
const ACTION_BOUND_MS = 5_000;

Deno.test("drain, terminate, cancel and retry through the control API, carried out by the core", async () => {
  const stack = await startDrillStack();
  let failure: unknown;
  try {
    const core = await stack.startCore("core-a");
    await seedTestOperators(stack.db);
    const admin = await operatorToken(SESSION_SECRET, "admin");
    const viewer = await operatorToken(SESSION_SECRET, "viewer");
    const call = async (method: string, path: string, body?: unknown, token = admin) => {
      const response = await fetch(`${stack.edge.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    };
    const jobRow = async (id: number) =>
      (await stack.db.execute({ sql: "SELECT * FROM jobs WHERE id = ?", args: [String(id)] }))
        .rows[0];
    const actionDone = async (id: number) => {
      let last: unknown;
      await eventually(
        async () => {
          last = (await call("GET", `/api/v1/control/actions/${id}`)).body;
          return (last as { action: { state: string } }).action.state !== "pending";
        },
        () => `action ${id}: ${JSON.stringify(last)}`,
        ACTION_BOUND_MS,
      );
      return (last as { action: { state: string; result: string } }).action;
    };
    const poolId = String(
      (await stack.db.execute("SELECT id FROM pools WHERE name = 'small'")).rows[0].id,
    );

    // Drain: a job queued while the pool is drained stays queued; resume launches it.
    assert.equal((await call("POST", `/api/v1/pools/${poolId}/drain`, {}, viewer)).status, 403);
    const drained = await call("POST", `/api/v1/pools/${poolId}/drain`, {});
    assert.deepEqual([drained.status, drained.body.did], [200, "held"]);
    assert.equal((await call("POST", `/api/v1/pools/${poolId}/drain`, {})).body.did, "nothing");
    assert.equal((await call("POST", "/api/v1/pools/no-such-pool/drain", {})).status, 404);
    // The core applies a hold on its next control call (every 2 s).
    await core.waitForOutput(
      new RegExp(`"launch holds changed","isPaused":false,"drainedPools":\\["${poolId}"\\]`),
      ACTION_BOUND_MS,
    );
    await stack.post("queued", 101);
    await eventually(async () => (await jobRow(101))?.state === "queued", () => "job 101 recorded");
    // Two control calls and two launcher sweeps later, still nothing launched.
    const seen = async () =>
      Number(
        (await stack.db.execute(
          "SELECT seen_at FROM core_heartbeats WHERE core_id = 'core-a'",
        )).rows[0].seen_at,
      );
    const before = await seen();
    await eventually(async () => await seen() >= before + 3_000, () => "core-a stopped calling");
    assert.equal((await jobRow(101)).state, "queued");
    assert.equal(stack.ec2.calls.filter((c) => c.action === "CreateFleet").length, 0);
    const resumed = await call("POST", `/api/v1/pools/${poolId}/resume`, {});
    assert.deepEqual([resumed.status, resumed.body.did], [200, "released"]);
    await eventually(
      async () => (await jobRow(101)).state === "starting",
      async () => `job 101 is ${(await jobRow(101)).state}`,
    );
    const machine = String((await jobRow(101)).instance_id);

    // The runners list shows it with its job.
    const listed = await call("GET", "/api/v1/runners");
    assert.equal(listed.status, 200);
    const view = listed.body.machines.find((m: { id: string }) => m.id === machine);
    assert.deepEqual([view.pool, view.jobId, view.state], ["small", "101", "pending"]);

    // Terminate: refused while its job runs, unless forced; then runner removed, machine ended.
    await stack.post("in_progress", 101, String((await jobRow(101)).runner_name));
    await eventually(async () => (await jobRow(101)).state === "running", () => "job 101 running");
    const refused = await call("POST", `/api/v1/runners/${machine}/terminate`, {});
    assert.equal(refused.status, 409);
    assert.equal(
      refused.body.error.message,
      `${machine} is running job 101; pass force to terminate it anyway`,
    );
    assert.equal(
      (await call("POST", "/api/v1/runners/i-0000000000000dead/terminate", {})).status,
      404,
    );
    const terminate = await call("POST", `/api/v1/runners/${machine}/terminate`, { force: true });
    assert.deepEqual([terminate.status, terminate.body.did], [202, "queued"]);
    const again = await call("POST", `/api/v1/runners/${machine}/terminate`, { force: true });
    assert.deepEqual([again.body.did, again.body.action.id], ["pending", terminate.body.action.id]);
    const ended = await actionDone(terminate.body.action.id);
    assert.equal(ended.state, "done");
    const runnerName = String((await jobRow(101)).runner_name);
    assert.equal(ended.result, `runner ${runnerName} removed from GitHub; ${machine} terminating`);
    const terminations = stack.ec2.calls.filter((c) => c.action === "TerminateInstances");
    // Asked again while EC2 did not know the new machine yet (the emulator lags as EC2 does).
    assert.deepEqual([...new Set(terminations.map((c) => c.params["InstanceId.1"]))], [machine]);
    assert.equal(terminations.at(-1)!.error, undefined);
    const deletes = stack.github.calls.filter((c) =>
      c.method === "DELETE" && c.path.startsWith("/repos/octocat/hello-world/actions/runners/")
    );
    assert.equal(deletes.length, 1);
    assert.equal(deletes[0].status, 204);
    const done = await call("POST", `/api/v1/runners/${machine}/terminate`, {});
    assert.deepEqual([done.status, done.body.did], [200, "nothing"]);

    // Cancel: paused, a queued job is dropped from admission; a started one is refused.
    assert.equal((await call("POST", "/api/v1/control/pause", {})).body.did, "held");
    await core.waitForOutput(/"launch holds changed","isPaused":true/, ACTION_BOUND_MS);
    await stack.post("queued", 102);
    await eventually(async () => (await jobRow(102))?.state === "queued", () => "job 102 recorded");
    assert.equal((await call("POST", "/api/v1/jobs/101/cancel", {})).status, 409);
    assert.equal((await call("POST", "/api/v1/jobs/999/cancel", {})).status, 404);
    const cancel = await call("POST", "/api/v1/jobs/102/cancel", {});
    assert.deepEqual([cancel.status, cancel.body.did], [202, "queued"]);
    const cancelled = await actionDone(cancel.body.action.id);
    assert.deepEqual([cancelled.state, cancelled.result], [
      "done",
      "job 102 cancelled (was queued)",
    ]);
    assert.equal((await jobRow(102)).state, "cancelled");
    assert.equal((await call("POST", "/api/v1/jobs/102/cancel", {})).body.did, "nothing");
    assert.equal((await call("POST", "/api/v1/control/resume", {})).body.did, "released");

    // Retry: a launch refused for good (bad AMI) fails the job; retried, it launches.
    stack.ec2.faults.launchError({ ms: 600_000, code: "InvalidAMIID.NotFound" });
    await stack.post("queued", 103);
    await eventually(
      async () => (await jobRow(103))?.state === "failed",
      async () => `job 103 is ${(await jobRow(103))?.state}`,
    );
    assert.equal((await call("POST", "/api/v1/jobs/101/retry", {})).status, 409);
    stack.ec2.faults.clear();
    const retry = await call("POST", "/api/v1/jobs/103/retry", {});
    assert.deepEqual([retry.status, retry.body.did], [202, "queued"]);
    const retried = await actionDone(retry.body.action.id);
    assert.deepEqual([retried.state, retried.result], ["done", "job 103 queued again"]);
    await eventually(
      async () => (await jobRow(103)).state === "starting",
      async () => `job 103 is ${(await jobRow(103)).state}`,
    );
    assert.equal((await call("POST", "/api/v1/jobs/103/retry", {})).body.did, "nothing");

    // The core's counters reach the edge's /metrics under its id, in parseable text.
    const sample = async (name: string, labels: Record<string, string>) => {
      const text = await (await fetch(`${stack.edge.url}/metrics`, {
        headers: { authorization: `Bearer ${viewer}` },
      })).text();
      const family = (parsePrometheusTextFormat(text) as {
        name: string;
        metrics: { labels?: Record<string, string>; value: string }[];
      }[]).find((f) => f.name === name);
      return family?.metrics.find((m) =>
        Object.entries(labels).every(([key, value]) => m.labels?.[key] === value)
      )?.value;
    };
    await eventually(
      async () =>
        await sample("gantry_core_launches_total", { core_id: "core-a", pool: "small" }) === "2",
      async () => `launches: ${await sample("gantry_core_launches_total", { core_id: "core-a" })}`,
      ACTION_BOUND_MS,
    );
    assert.equal(
      await sample("gantry_core_launch_failures_total", {
        core_id: "core-a",
        code: "InvalidAMIID.NotFound",
      }),
      "1",
    );
    assert.equal(await sample("gantry_core_down", { core_id: "core-a" }), "0");

    // Every change is in the audit log under its action, by the admin.
    const audit = await stack.db.execute(
      `SELECT action, target, json_extract(payload, '$.did') AS did FROM audit_events
       WHERE actor = 'test-operator-admin@example.com' ORDER BY id`,
    );
    assert.deepEqual(audit.rows.map((r) => `${r.action} ${r.target} ${r.did}`), [
      `pool.drain ${poolId} held`,
      `pool.drain ${poolId} nothing`,
      `pool.resume ${poolId} released`,
      `machine.terminate ${machine} queued`,
      `machine.terminate ${machine} pending`,
      `machine.terminate ${machine} nothing`,
      "launching.pause all held",
      "job.cancel 102 queued",
      "job.cancel 102 nothing",
      "launching.resume all released",
      "job.retry 103 queued",
      "job.retry 103 nothing",
    ]);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await stack.close(failure);
  }
});
