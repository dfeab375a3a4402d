/** The core's logger: levels, formats, file output, correlation ids, and secrets never written. */
import assert from "node:assert/strict";
import { createLogger, logSink } from "../../core/log.ts";

const PEM =
  "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBvK1v3yQ9\n-----END PRIVATE KEY-----";

Deno.test("json lines carry level, message, fields and the job's correlation id", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "info", format: "json" }, (l) => lines.push(l));
  log.debug("hidden");
  log.info("job claimed", { jobId: "42", pool: "large" });
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]);
  assert.equal(line.level, "info");
  assert.equal(line.msg, "job claimed");
  assert.equal(line.pool, "large");
  assert.equal(line.correlationId, "job-42");
  assert.ok(Date.parse(line.time) > 0);
});

Deno.test("secrets are redacted: known values, PEM keys, credential-named fields, errors", () => {
  const lines: string[] = [];
  const log = createLogger(
    { level: "debug", format: "json", secrets: ["s3cr3t-aws-value-123", PEM, undefined] },
    (l) => lines.push(l),
  );
  log.info("oops", { detail: "key is s3cr3t-aws-value-123" });
  log.info("pem", {
    pem: PEM,
    other: "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----",
  });
  log.info("fields", {
    runnerToken: "eyJhbGciOi.x.y",
    authorization: "Bearer x",
    clientToken: "gantry-1-1",
  });
  log.error("failed", { error: new Error("bad auth with s3cr3t-aws-value-123") });
  const text = createLogger(
    { level: "debug", format: "text", secrets: ["s3cr3t-aws-value-123"] },
    (l) => lines.push(l),
  );
  text.info("text too", { secretAccessKey: "whatever", note: "s3cr3t-aws-value-123" });
  const all = lines.join("\n");
  for (
    const secret of [
      "s3cr3t-aws-value-123",
      "MC4CAQAwBQYDK2VwBCIEIBvK1v3yQ9",
      "abc",
      "eyJhbGciOi",
      "whatever",
    ]
  ) {
    assert.ok(!all.includes(secret), `${secret} leaked:\n${all}`);
  }
  assert.ok(all.includes("gantry-1-1"), "a launch client token is not a secret");
  assert.ok(all.includes("[redacted]"));
});

Deno.test("text format and a log file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/core.log`;
    const log = createLogger({ level: "warn", format: "text" }, logSink(file));
    log.info("not written");
    log.warn("written", { jobId: "9" });
    log.error("also");
    const lines = (await Deno.readTextFile(file)).trimEnd().split("\n");
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^\S+ WARN {2}written jobId=9 correlationId=job-9$/);
    assert.match(lines[1], /ERROR also$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
