/**
 * Runner instance ↔ edge bodies: each id and size limit at the limit, one
 * under and one over, and the event kinds.
 */
import assert from "node:assert/strict";
import type { z } from "zod";
import { type Issue, issueMessage, issuesOf } from "./issues.ts";
import {
  BatchId,
  MAX_RUNNER_LOG_BYTES,
  RUNNER_TOKEN_AUDIENCE,
  RunnerConfigDeposits,
  RunnerConfigRequest,
  RunnerEventRequest,
} from "./runner.ts";

function issues(schema: z.ZodType, input: unknown): Issue[] {
  const result = schema.safeParse(input, { error: issueMessage });
  return result.success ? [] : issuesOf(result.error);
}

const INSTANCE = "i-0123456789abcdef";
const deposit = {
  batchId: "AZaz09-batch",
  jobId: "42",
  runnerName: "AZaz09._-runner",
  instanceId: INSTANCE,
  encodedJitConfig: "AZaz09+/=",
  expiresAt: 1,
};

Deno.test("a deposit parses as sent; the audience and the log limit are pinned", () => {
  assert.deepEqual(RunnerConfigDeposits.parse({ deposits: [{ ...deposit, x: 1 }] }), {
    deposits: [deposit],
  });
  assert.equal(RUNNER_TOKEN_AUDIENCE, "gantry-edge/runner");
  assert.equal(MAX_RUNNER_LOG_BYTES, 65_536);
});

Deno.test("a deposit names each bad id, name, config and expiry", () => {
  const instanceId = [{
    path: "deposits.0.instanceId",
    message: "expected an EC2 instance id (i-…)",
  }];
  const runnerName = {
    path: "deposits.0.runnerName",
    message: "must match pattern /^[A-Za-z0-9._-]+$/",
  };
  const batchId = { path: "deposits.0.batchId", message: "must match pattern /^[A-Za-z0-9-]+$/" };
  const config = {
    path: "deposits.0.encodedJitConfig",
    message: "must match pattern /^[A-Za-z0-9+/=]+$/",
  };
  const cases: [Record<string, unknown>, Issue[]][] = [
    [{ instanceId: "i-01234567" }, []],
    [{ instanceId: "i-0123456789abcdef0" }, []],
    [{ instanceId: "i-0123456" }, instanceId],
    [{ instanceId: "i-0123456789abcdef01" }, instanceId],
    [{ instanceId: "i-0123456789ABCDEF" }, instanceId],
    [{ instanceId: `x${INSTANCE}` }, instanceId],
    [{ instanceId: `${INSTANCE} ` }, instanceId],
    [{ runnerName: "r".repeat(128) }, []],
    [{ runnerName: "r".repeat(129) }, [{
      path: "deposits.0.runnerName",
      message: "expected string to have <=128 characters",
    }]],
    [{ runnerName: "" }, [
      { path: "deposits.0.runnerName", message: "expected string to have >=1 characters" },
      runnerName,
    ]],
    [{ runnerName: "a b" }, [runnerName]],
    [{ runnerName: " ab" }, [runnerName]],
    [{ runnerName: "ab " }, [runnerName]],
    [{ batchId: "b".repeat(64) }, []],
    [{ batchId: "b".repeat(65) }, [{
      path: "deposits.0.batchId",
      message: "expected string to have <=64 characters",
    }]],
    [{ batchId: "" }, [
      { path: "deposits.0.batchId", message: "expected string to have >=1 characters" },
      batchId,
    ]],
    [{ batchId: "a.b" }, [batchId]],
    [{ batchId: ".ab" }, [batchId]],
    [{ batchId: "ab." }, [batchId]],
    [{ jobId: "9".repeat(32) }, []],
    [{ jobId: "9".repeat(33) }, [{
      path: "deposits.0.jobId",
      message: "expected string to have <=32 characters",
    }]],
    [{ jobId: "" }, [{
      path: "deposits.0.jobId",
      message: "expected string to have >=1 characters",
    }]],
    [{ encodedJitConfig: "A".repeat(65_536) }, []],
    [{ encodedJitConfig: "A".repeat(65_537) }, [{
      path: "deposits.0.encodedJitConfig",
      message: "expected string to have <=65536 characters",
    }]],
    [{ encodedJitConfig: "" }, [{
      path: "deposits.0.encodedJitConfig",
      message: "expected string to have >=1 characters",
    }, config]],
    [{ encodedJitConfig: "ab-c" }, [config]],
    [{ encodedJitConfig: "-abc" }, [config]],
    [{ encodedJitConfig: "abc-" }, [config]],
    [{ expiresAt: 0 }, [{ path: "deposits.0.expiresAt", message: "expected number to be >0" }]],
    [{ expiresAt: 1.5 }, [{
      path: "deposits.0.expiresAt",
      message: "expected int, received number",
    }]],
  ];
  for (const [change, expected] of cases) {
    const body = { deposits: [{ ...deposit, ...change }] };
    assert.deepEqual(issues(RunnerConfigDeposits, body), expected, JSON.stringify(change));
  }
  assert.equal(BatchId.safeParse("AZaz09-").success, true);
});

Deno.test("a launch deposits 1 to 500 configs at once", () => {
  const deposits = (n: number) => ({ deposits: Array.from({ length: n }, () => deposit) });
  assert.deepEqual(issues(RunnerConfigDeposits, deposits(1)), []);
  assert.deepEqual(issues(RunnerConfigDeposits, deposits(500)), []);
  assert.deepEqual(issues(RunnerConfigDeposits, deposits(0)), [
    { path: "deposits", message: "expected array to have >=1 items" },
  ]);
  assert.deepEqual(issues(RunnerConfigDeposits, deposits(501)), [
    { path: "deposits", message: "expected array to have <=500 items" },
  ]);
});

Deno.test("a config request carries the instance id and its identity proof in base64", () => {
  const identity = { document: "eyJh Yi\n+/=", signature: "AZaz09+/=" };
  assert.deepEqual(RunnerConfigRequest.parse({ instanceId: INSTANCE, identity, x: 1 }), {
    instanceId: INSTANCE,
    identity,
  });
  assert.deepEqual(RunnerConfigRequest.parse({ instanceId: INSTANCE }), { instanceId: INSTANCE });
  const base64 = (path: string) => ({ path: `identity.${path}`, message: "expected base64" });
  const cases: [Record<string, string>, Issue[]][] = [
    [{ document: "A".repeat(8192) }, []],
    [{ document: "A".repeat(8193) }, [{
      path: "identity.document",
      message: "expected string to have <=8192 characters",
    }]],
    [{ document: "" }, [base64("document"), {
      path: "identity.document",
      message: "expected string to have >=1 characters",
    }]],
    [{ document: "ab-c" }, [base64("document")]],
    [{ document: "-abc" }, [base64("document")]],
    [{ document: "abc-" }, [base64("document")]],
    [{ signature: "A".repeat(2048) }, []],
    [{ signature: "A".repeat(2049) }, [{
      path: "identity.signature",
      message: "expected string to have <=2048 characters",
    }]],
    [{ signature: "" }, [base64("signature"), {
      path: "identity.signature",
      message: "expected string to have >=1 characters",
    }]],
  ];
  for (const [change, expected] of cases) {
    const body = { instanceId: INSTANCE, identity: { ...identity, ...change } };
    assert.deepEqual(issues(RunnerConfigRequest, body), expected, JSON.stringify(change));
  }
  assert.deepEqual(issues(RunnerConfigRequest, {}), [
    { path: "instanceId", message: "required (expected string)" },
  ]);
});

Deno.test("a runner event is one of six kinds, with a log of at most 64 KiB", () => {
  const kinds = [
    "booted",
    "runner-started",
    "runner-finished",
    "bootstrap-failed",
    "spot-interruption-notice",
    "prepared",
  ];
  for (const kind of kinds) {
    assert.deepEqual(RunnerEventRequest.parse({ instanceId: INSTANCE, kind }), {
      instanceId: INSTANCE,
      kind,
    });
  }
  const body = { instanceId: INSTANCE, kind: "bootstrap-failed" };
  assert.deepEqual(
    RunnerEventRequest.parse({ ...body, log: "x".repeat(65_536) }).log?.length,
    65_536,
  );
  assert.deepEqual(issues(RunnerEventRequest, { ...body, log: "x".repeat(65_537) }), [
    { path: "log", message: "expected string to have <=65536 characters" },
  ]);
  assert.deepEqual(issues(RunnerEventRequest, { ...body, kind: "crashed" }), [{
    path: "kind",
    message:
      'expected one of "booted"|"runner-started"|"runner-finished"|"bootstrap-failed"|"spot-interruption-notice"|"prepared"',
  }]);
  assert.deepEqual(issues(RunnerEventRequest, { ...body, identity: { document: "a" } }), [
    { path: "identity.signature", message: "required (expected string)" },
  ]);
});
