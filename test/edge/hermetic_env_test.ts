/**
 * The edge under test sees only the variables its test gives it: a hostile
 * `.dev.vars` beside the wrangler config (a developer's own secrets, sign-in
 * switched off) changes nothing. The control run, with the harness's guard
 * off, shows the same file would otherwise leak in.
 */
import assert from "node:assert/strict";
import { coreKeyPair, type EdgeSecrets, startEdge } from "../support/edge.ts";
import { postWebhook, workflowJobPayload } from "../support/webhooks.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SECRET = "hermetic-test-secret";
const HOSTILE = {
  GITHUB_WEBHOOK_SECRET_PREVIOUS: "hostile-previous-secret",
  METRICS_TOKEN: "hostile-metrics-token",
  AUTH_DISABLED: "true",
};

/** A copy of wrangler.toml in a temp dir (paths made absolute) with `.dev.vars` beside it. */
async function configWithDevVars(devVars: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "gantry-hostile-" });
  const toml = (await Deno.readTextFile(`${ROOT}wrangler.toml`))
    .replace(/^main = "(.+)"$/m, `main = "${ROOT}$1"`)
    .replace(/^directory = "\.\/(.+)"$/m, `directory = "${ROOT}$1"`);
  assert.ok(toml.includes(`main = "${ROOT}edge/index.ts"`), "main made absolute");
  await Deno.writeTextFile(`${dir}/wrangler.toml`, toml);
  await Deno.writeTextFile(
    `${dir}/.dev.vars`,
    Object.entries(devVars).map(([key, value]) => `${key}="${value}"`).join("\n") + "\n",
  );
  return `${dir}/wrangler.toml`;
}

/** What a hostile .dev.vars could change, as seen from outside the edge. */
async function observe(url: string) {
  const signedBy = async (secret: string, jobId: number) => {
    const response = await postWebhook(
      url,
      await workflowJobPayload({ action: "queued", jobId }),
      { secret },
    );
    await response.body?.cancel();
    return response.status;
  };
  const metrics = await fetch(`${url}/metrics`, {
    headers: { authorization: `Bearer ${HOSTILE.METRICS_TOKEN}` },
  });
  await metrics.body?.cancel();
  const session = await fetch(`${url}/api/v1/session`);
  await session.body?.cancel();
  return {
    currentSecret: await signedBy(SECRET, 1),
    hostilePrevious: await signedBy(HOSTILE.GITHUB_WEBHOOK_SECRET_PREVIOUS, 2),
    hostileMetricsToken: metrics.status,
    sessionWithoutSignIn: session.status,
  };
}

Deno.test("a hostile .dev.vars beside the config changes nothing the edge does", async () => {
  const keys = await coreKeyPair();
  const secrets: EdgeSecrets = {
    GITHUB_WEBHOOK_SECRET: SECRET,
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET: "hermetic-session-secret-0123456789abcdef",
    LIBSQL_URL: "http://127.0.0.1:9",
  };
  const config = await configWithDevVars(HOSTILE);
  const clean = await startEdge(secrets);
  let expected;
  try {
    expected = await observe(clean.url);
  } finally {
    await clean.stop();
  }
  assert.deepEqual(expected, {
    currentSecret: 202,
    hostilePrevious: 401,
    hostileMetricsToken: 401,
    sessionWithoutSignIn: 401,
  });

  const guarded = await startEdge(secrets, { config });
  try {
    assert.deepEqual(await observe(guarded.url), expected, "the hostile file is not read");
  } finally {
    await guarded.stop();
  }

  // The control: the same file, read the way a bare `wrangler dev` reads it.
  const leaky = await startEdge(secrets, { config, hermetic: false });
  try {
    const leaked = await observe(leaky.url);
    assert.equal(leaked.hostilePrevious, 202, "without the guard the hostile secret is accepted");
    assert.notEqual(leaked.hostileMetricsToken, 401, "and the hostile metrics token too");
  } finally {
    await leaky.stop();
  }
});
