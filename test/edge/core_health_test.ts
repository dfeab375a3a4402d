/**
 * Core health and metrics at the edge (workerd + libSQL, the edge's clock
 * pinned by CLOCK_FIXED_AT): a core's control call lands its metrics on
 * `/metrics` under its id, in a text a Prometheus parser reads; a core that
 * has not leased for more than 60 s is down on `/healthz?deep=1` and the
 * overview, with how long.
 */
import assert from "node:assert/strict";
import { createClient } from "@libsql/client/web";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { migrate } from "../../core/db/migrate.ts";
import { corePost } from "../support/core_token.ts";
import { coreKeyPair, startEdge } from "../support/edge.ts";
import { startLibsqlServer } from "../support/libsql/server.ts";
import { operatorToken, seedTestOperators } from "../support/operator.ts";

/** A metric family as parse-prometheus-text-format reads it. */
interface ParsedFamily {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value: string }[];
}

const SESSION_SECRET = "core-health-session-secret-0123456789abcdef";
const T = Date.UTC(2026, 11, 5, 9, 0, 0);
const at = (ms: number) => ({ CLOCK_FIXED_AT: new Date(ms).toISOString() });

Deno.test("a core's metrics reach /metrics under its id; silent past 60 s it is down", async () => {
  const libsql = await startLibsqlServer();
  const client = createClient({ url: libsql.url });
  await migrate(client);
  await seedTestOperators(client);
  const keys = await coreKeyPair();
  let edge = await startEdge({
    GITHUB_WEBHOOK_SECRET: "core-health-webhook-secret",
    CORE_PUBLIC_KEYS: keys.jwks,
    SESSION_SECRET,
    LIBSQL_URL: libsql.url,
    METRICS_TOKEN: "scrape-token",
    ...at(T),
  });
  try {
    const metrics = [
      {
        name: "gantry_core_launches_total",
        help: "Machines launched, by pool.",
        type: "counter",
        values: [{ value: 3, labels: { pool: "small" } }],
      },
      {
        name: "gantry_core_write_buffer_depth",
        help: "Writes held in the core's local buffer, not yet in libSQL.",
        type: "gauge",
        values: [{ value: 7, labels: {} }],
      },
    ];
    const call = await corePost(edge.url, keys.privateKeyPem, "/core/v1/control", {
      version: "0.1.0",
      leaseAgeMs: 2_000,
      metrics,
      results: [],
    });
    assert.equal(call.status, 200);
    assert.deepEqual(await call.json(), {
      holds: { isPaused: false, drainedPools: [] },
      actions: [],
    });

    const text = await (await fetch(`${edge.url}/metrics`, {
      headers: { authorization: "Bearer scrape-token" },
    })).text();
    const families = Object.fromEntries(
      (parsePrometheusTextFormat(text) as ParsedFamily[]).map((family) => [family.name, family]),
    );
    assert.deepEqual(families.gantry_core_launches_total.metrics, [
      { labels: { pool: "small", core_id: "core-test" }, value: "3" },
    ]);
    assert.equal(families.gantry_core_launches_total.type, "COUNTER");
    assert.deepEqual(families.gantry_core_write_buffer_depth.metrics, [
      { labels: { core_id: "core-test" }, value: "7" },
    ]);
    assert.deepEqual(families.gantry_core_lease_age_seconds.metrics, [
      { labels: { core_id: "core-test" }, value: "2" },
    ]);
    assert.deepEqual(families.gantry_core_down.metrics, [
      { labels: { core_id: "core-test" }, value: "0" },
    ]);
    assert.equal(families.gantry_queue_ready.metrics[0].value, "0", "the edge's own, beside");

    const healthy = await fetch(`${edge.url}/healthz?deep=1`);
    assert.equal(healthy.status, 200);
    assert.deepEqual(await healthy.json(), {
      status: "ok",
      database: "ok",
      cores: [{ coreId: "core-test", isDown: false, downForSeconds: null }],
    });

    // 58 s later it last leased 60 s ago: still up. A second more: down for 61 s.
    edge = await edge.restart(at(T + 58_000));
    assert.equal((await fetch(`${edge.url}/healthz?deep=1`)).status, 200);
    edge = await edge.restart(at(T + 59_000));
    const down = await fetch(`${edge.url}/healthz?deep=1`);
    assert.equal(down.status, 503);
    assert.deepEqual(await down.json(), {
      status: "degraded",
      database: "ok",
      cores: [{ coreId: "core-test", isDown: true, downForSeconds: 61 }],
    });
    const overview = await (await fetch(`${edge.url}/api/v1/overview`, {
      headers: { authorization: `Bearer ${await operatorToken(SESSION_SECRET, "viewer")}` },
    })).json();
    assert.deepEqual(overview.cores, [{
      coreId: "core-test",
      version: "0.1.0",
      seenAt: T,
      leasedAt: T - 2_000,
      isDown: true,
      downForSeconds: 61,
    }]);
  } finally {
    await edge.stop();
    client.close();
    await libsql.close();
  }
});
