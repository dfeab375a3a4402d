/**
 * The `gantry` CLI, bundled as `deno task bundle` bundles it, run as a
 * process against the whole stack (edge in workerd, libSQL, a core process,
 * the EC2 emulator, the GitHub fake): sign in, drain a pool, terminate a
 * machine, cancel a job; stdout and exit codes as an operator's script
 * would read them. Set GANTRY_CLI_TRANSCRIPT=<file> to keep the session.
 */
import assert from "node:assert/strict";
import { eventually, SESSION_SECRET, startDrillStack } from "../drills/drill_stack.ts";
import { bundleCli } from "../support/bundle.ts";
import { operatorToken, seedTestOperators } from "../support/operator.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const EMAIL = "ops@example.com";
const PASSWORD = "correct horse battery staple";

Deno.test("an operator drains a pool, terminates a machine and cancels a job with gantry", async () => {
  const stack = await startDrillStack();
  const config = await Deno.makeTempDir({ prefix: "gantry-cli-config-" });
  const transcript: string[] = [];
  let failure: unknown;
  try {
    const [bundle, core] = await Promise.all([bundleCli(), stack.startCore("core-a")]);
    await seedTestOperators(stack.db);
    const created = await fetch(`${stack.edge.url}/api/v1/users`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await operatorToken(SESSION_SECRET, "admin")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ email: EMAIL, name: "Ops", role: "admin", password: PASSWORD }),
    });
    assert.equal(created.status, 201, await created.text());

    const gantry = async (args: string[], options: { stdin?: string; home?: string } = {}) => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-net",
          "--allow-env",
          "--allow-read",
          "--allow-write",
          bundle,
          ...args,
        ],
        cwd: ROOT,
        clearEnv: true,
        env: { XDG_CONFIG_HOME: options.home ?? config, NO_COLOR: "1" },
        stdin: options.stdin === undefined ? "null" : "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      if (options.stdin !== undefined) {
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode(options.stdin));
        await writer.close();
      }
      const result = await child.output();
      const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trimEnd();
      const run = {
        code: result.code,
        stdout: decode(result.stdout),
        stderr: decode(result.stderr),
      };
      transcript.push(
        `$ gantry ${args.join(" ")}`,
        ...(run.stdout ? [run.stdout] : []),
        ...(run.stderr ? [run.stderr] : []),
        `(exit ${run.code})`,
        "",
      );
      return run;
    };
    const jobRow = async (id: number) =>
      (await stack.db.execute({ sql: "SELECT * FROM jobs WHERE id = ?", args: [String(id)] }))
        .rows[0];

    // Not signed in: exit 3, and it says what to do.
    const anonymous = await gantry(["runners", "ls"]);
    assert.deepEqual([anonymous.code, anonymous.stderr], [
      3,
      "gantry: not signed in: run `gantry login --url <edge url>`",
    ]);
    const wrong = await gantry([
      "login",
      "--url",
      stack.edge.url,
      "--email",
      EMAIL,
      "--password-stdin",
    ], {
      stdin: "not the password\n",
    });
    assert.deepEqual([wrong.code, wrong.stderr], [
      3,
      "gantry: wrong email or password (run `gantry login`) [HTTP 401]",
    ]);
    const login = await gantry(
      ["login", "--url", stack.edge.url, "--email", EMAIL, "--password-stdin"],
      { stdin: `${PASSWORD}\n` },
    );
    assert.equal(login.code, 0, login.stderr);
    assert.match(
      login.stdout,
      new RegExp(`^signed in to ${stack.edge.url} as ${EMAIL} \\(admin\\)`),
    );
    const stored = await Deno.stat(`${config}/gantry/credentials.json`);
    assert.equal(stored.mode! & 0o777, 0o600);

    // Drain the pool: its jobs wait; resume: they launch.
    const pools = JSON.parse((await gantry(["pools", "ls", "--json"])).stdout);
    const poolId: string = pools.pools[0].id;
    assert.equal(pools.pools[0].name, "small");
    const drain = await gantry(["pools", "drain", poolId]);
    assert.deepEqual([drain.code, drain.stdout], [0, `pool ${poolId}: held`]);
    const listed = await gantry(["pools", "ls"]);
    assert.equal(
      listed.stdout.split("\n")[1].split(/\s+/).slice(1, 4).join(" "),
      "my-app small drained",
    );
    await core.waitForOutput(new RegExp(`"drainedPools":\\["${poolId}"\\]`), 5_000);
    const resume = await gantry(["pools", "resume", poolId]);
    assert.deepEqual([resume.code, resume.stdout], [0, `pool ${poolId}: released`]);

    // Terminate a machine whose job runs: refused (exit 6), then forced.
    await stack.post("queued", 201);
    await eventually(
      async () => (await jobRow(201))?.state === "starting",
      async () => `job 201 is ${(await jobRow(201))?.state}`,
    );
    const machine = String((await jobRow(201)).instance_id);
    const runnerName = String((await jobRow(201)).runner_name);
    await stack.post("in_progress", 201, runnerName);
    await eventually(async () => (await jobRow(201)).state === "running", () => "job 201 running");
    const runners = await gantry(["runners", "ls"]);
    assert.equal(runners.code, 0);
    const row = runners.stdout.split("\n").find((line) => line.startsWith(machine))!;
    assert.deepEqual(row.split(/\s+/).slice(1, 5), ["small", "pending", "201", "running"]);
    const busy = await gantry(["runners", "terminate", machine]);
    assert.deepEqual([busy.code, busy.stderr], [
      6,
      `gantry: ${machine} is running job 201; pass force to terminate it anyway [HTTP 409]`,
    ]);
    const forced = await gantry(["runners", "terminate", machine, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(
      forced.stdout,
      `terminate ${machine}: queued for a core\n` +
        `terminate ${machine}: done: runner ${runnerName} removed from GitHub; ${machine} terminating`,
    );
    const terminations = stack.ec2.calls.filter((c) => c.action === "TerminateInstances");
    assert.deepEqual([...new Set(terminations.map((c) => c.params["InstanceId.1"]))], [machine]);
    assert.equal(terminations.at(-1)!.error, undefined);

    // Cancel a job that has not started: launching paused, the job is queued.
    const pause = await gantry(["pause"]);
    assert.deepEqual([pause.code, pause.stdout], [0, "all launching: held"]);
    await core.waitForOutput(/"launch holds changed","isPaused":true/, 5_000);
    await stack.post("queued", 202);
    await eventually(async () => (await jobRow(202))?.state === "queued", () => "job 202 recorded");
    const cancel = await gantry(["jobs", "cancel", "202"]);
    assert.deepEqual([cancel.code, cancel.stdout], [
      0,
      "cancel job 202: queued for a core\ncancel 202: done: job 202 cancelled (was queued)",
    ]);
    const again = await gantry(["jobs", "cancel", "202"]);
    assert.deepEqual([again.code, again.stdout], [0, "job 202 is already cancelled"]);
    const unknown = await gantry(["jobs", "cancel", "999"]);
    assert.deepEqual([unknown.code, unknown.stderr], [5, "gantry: no job 999 [HTTP 404]"]);
    assert.equal((await gantry(["resume"])).stdout, "all launching: released");

    // The audit log names the operator for each.
    const audit = await gantry(["audit", "--json", "--limit", "20"]);
    const actions = JSON.parse(audit.stdout).events
      .filter((e: { actor: string; action: string }) =>
        e.actor === EMAIL && !e.action.startsWith("auth.")
      )
      .map((e: { action: string; target: string }) => `${e.action} ${e.target}`).reverse();
    assert.deepEqual(actions, [
      `pool.drain ${poolId}`,
      `pool.resume ${poolId}`,
      `machine.terminate ${machine}`,
      "launching.pause all",
      "job.cancel 202",
      "job.cancel 202",
      "launching.resume all",
    ]);
    const show = await gantry(["jobs", "show", "202"]);
    assert.match(show.stdout, /^state\s+cancelled$/m);
    assert.equal((await gantry(["stats", "--window", "1d"])).code, 0);
    assert.equal((await gantry(["bogus"])).code, 2);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    const path = Deno.env.get("GANTRY_CLI_TRANSCRIPT");
    if (path) await Deno.writeTextFile(path, transcript.join("\n"));
    if (failure !== undefined) console.error(transcript.join("\n"));
    await stack.close(failure);
    await Deno.remove(config, { recursive: true });
  }
});
