/**
 * The core as a real process against the whole stack: SIGTERM mid-burst stops
 * leasing, finishes the launch in hand, releases unstarted leases and exits 0
 * (a restarted core then gets every job without waiting for leases to
 * expire); and with known secret values in its config files, none of them
 * ever appears in its output.
 */
import assert from "node:assert/strict";
import { eventually, jobStates, managedInstances, startDrillStack } from "../drills/drill_stack.ts";

const AWS_SECRET = "drill-aws-secret-7f3a9c1e55d2";
const DB_TOKEN = "drill-db-token-0b8e4a6f2c91";

Deno.test("core process: SIGTERM mid-burst exits 0 and releases its leases; no secret is ever logged", async () => {
  const stack = await startDrillStack({ secrets: { awsSecret: AWS_SECRET, dbToken: DB_TOKEN } });
  let failure: unknown;
  try {
    // Long leases: a job only reaches the second core this quickly if the first released it.
    const lease = { lease_seconds: 600, lease_batch: 50, lease_wait_seconds: 1 };
    const edgeOf = (name: string) => ({
      edge: {
        url: stack.edge.url,
        core_id: name,
        private_key_file: `${stack.dir}/core.pem`,
        ...lease,
      },
    });
    const first = await stack.startCore("core-a", edgeOf("core-a"));
    const ids = Array.from({ length: 40 }, (_, i) => 7_400_000 + i);
    await Promise.all(ids.map((id) => stack.post("queued", id)));
    await eventually(
      () => managedInstances(stack.ec2).length >= 1,
      () => first.output().slice(-3000),
    );
    const terminating = Date.now();
    first.kill("SIGTERM");
    const status = await first.status;
    console.log(`SIGTERM to exit mid-burst: ${Date.now() - terminating} ms`);
    assert.equal(status.code, 0, `exit code on SIGTERM:\n${first.output().slice(-3000)}`);
    assert.match(first.output(), /stopping: no new leases/);
    assert.match(first.output(), /gantry-core stopped/);

    const second = await stack.startCore("core-b", edgeOf("core-b"));
    const jobIds = ids.map(String);
    await eventually(
      async () => {
        const states = await jobStates(stack.db);
        return jobIds.every((id) => states.get(id) === "starting");
      },
      async () => {
        const states = await jobStates(stack.db);
        return `not all started (leases not released?): ${
          jobIds.filter((id) => states.get(id) !== "starting").map((id) =>
            `${id}=${states.get(id)}`
          )
            .slice(0, 10)
        }\n${second.output().slice(-3000)}`;
      },
      90_000,
    );
    const stopping = Date.now();
    const stopped = await second.stop(60_000);
    assert.equal(stopped.code, 0, `idle core exits 0 on SIGTERM:\n${second.output().slice(-2000)}`);
    console.log(`SIGTERM to exit: idle core ${Date.now() - stopping} ms`);

    const output = first.output() + second.output();
    const pems = [
      await Deno.readTextFile(`${stack.dir}/core.pem`),
      await Deno.readTextFile(`${stack.dir}/github.pem`),
    ];
    const secrets = [
      AWS_SECRET,
      DB_TOKEN,
      ...pems.flatMap((pem) =>
        pem.split("\n").filter((line) => line.length >= 16 && !line.startsWith("-----"))
      ),
    ];
    const leaked = secrets.filter((secret) => output.includes(secret));
    assert.deepEqual(leaked, [], "secrets in the core's output");
    assert.ok(
      output.split("\n").length > 50,
      "the cores logged enough for the check to mean something",
    );
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    await stack.close(failure);
  }
});
