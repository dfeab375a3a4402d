/**
 * The sign-in lockout (edge/auth/login_throttle.ts, sign_in.ts) in workerd
 * against libSQL, on a pinned clock: failures are counted per (account,
 * network) and past the limit that network waits 1 s, then 2 s, …; a correct
 * password from a network with no failures is never refused; a success
 * clears the account's failures from its network; an attempt the database
 * could not judge is withdrawn and counts against nobody. The clock is
 * `CLOCK_FIXED_AT`, stepped across a delay by restarting the edge on the same
 * Durable Object state, so no step depends on how fast this machine is.
 */
import assert from "node:assert/strict";
import type { Edge } from "../support/edge.ts";
import { ADMIN, bootstrap, login, startConsoleStack } from "./stack.ts";

const T0 = Date.parse("2026-06-10T09:00:00.000Z");
const at = (ms: number) => ({ CLOCK_FIXED_AT: new Date(T0 + ms).toISOString() });
const WRONG = { ...ADMIN, password: "not the password at all" };

/** The status and Retry-After of a sign-in of `credentials` from `ip`. */
async function signInFrom(
  edge: Edge,
  credentials: { email: string; password: string },
  ip: string,
): Promise<[number, string | null]> {
  const response = await login(edge.url, credentials, { "cf-connecting-ip": ip });
  await response.body?.cancel();
  return [response.status, response.headers.get("retry-after")];
}

Deno.test("sign-in lockout: a progressive delay for the failing network only, cleared by success, withdrawn when unjudged", async (t) => {
  const stack = await startConsoleStack({
    LOGIN_MAX_FAILURES_PER_ACCOUNT: "3",
    LOGIN_MAX_FAILURES_PER_IP: "50",
    LOGIN_WINDOW_SECONDS: "900",
    ...at(0),
  });
  let edge = stack.edge;
  try {
    const created = await bootstrap(stack.url, ADMIN);
    assert.equal(created.status, 201);
    await created.body?.cancel();

    await t.step(
      "3 failures from one network make it wait 1 s, the right password too",
      async () => {
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(
            await signInFrom(edge, WRONG, "192.0.2.10"),
            [401, null],
            `failure ${i}`,
          );
        }
        assert.deepEqual(await signInFrom(edge, ADMIN, "192.0.2.10"), [429, "1"]);
        assert.deepEqual(await signInFrom(edge, WRONG, "192.0.2.10"), [429, "1"]);
      },
    );

    await t.step(
      "the right password from a network with no failures is never refused",
      async () => {
        assert.deepEqual(await signInFrom(edge, ADMIN, "198.51.100.20"), [200, null]);
        // The waiting network's neighbour in the same /24 is another IPv4 network.
        assert.deepEqual(await signInFrom(edge, ADMIN, "192.0.2.11"), [200, null]);
      },
    );

    await t.step(
      "once the delay is over one more failure is admitted, and the next wait doubles",
      async () => {
        edge = await edge.restart(at(999));
        assert.deepEqual(await signInFrom(edge, ADMIN, "192.0.2.10"), [429, "1"], "1 ms early");
        edge = await edge.restart(at(1_000));
        assert.deepEqual(await signInFrom(edge, WRONG, "192.0.2.10"), [401, null]);
        assert.deepEqual(await signInFrom(edge, ADMIN, "192.0.2.10"), [429, "2"]);
        assert.deepEqual(await signInFrom(edge, ADMIN, "198.51.100.20"), [200, null]);
      },
    );

    await t.step(
      "after the doubled wait the right password gets in and clears the count",
      async () => {
        edge = await edge.restart(at(3_000));
        assert.deepEqual(await signInFrom(edge, ADMIN, "192.0.2.10"), [200, null]);
        // Cleared: two more failures stay under the limit of 3, so nothing waits.
        assert.deepEqual(await signInFrom(edge, WRONG, "192.0.2.10"), [401, null]);
        assert.deepEqual(await signInFrom(edge, WRONG, "192.0.2.10"), [401, null]);
        assert.deepEqual(await signInFrom(edge, ADMIN, "192.0.2.10"), [200, null]);
      },
    );

    await t.step(
      "attempts the database could not judge are withdrawn: they count against nobody",
      async () => {
        stack.libsql.setUnavailable(60_000);
        for (let i = 0; i < 5; i++) {
          const [status] = await signInFrom(edge, WRONG, "203.0.113.30");
          assert.equal(status, 503, `unjudged attempt ${i}`);
        }
        stack.libsql.setUnavailable(0);
        // Had the 5 counted, this network would wait (5 ≥ 3) even with the right password.
        assert.deepEqual(await signInFrom(edge, ADMIN, "203.0.113.30"), [200, null]);
        for (let i = 0; i < 3; i++) {
          assert.deepEqual(await signInFrom(edge, WRONG, "203.0.113.30"), [401, null]);
        }
        assert.deepEqual(
          await signInFrom(edge, ADMIN, "203.0.113.30"),
          [429, "1"],
          "judged ones do",
        );
      },
    );
  } finally {
    await edge.stop();
    await stack.close();
  }
});
