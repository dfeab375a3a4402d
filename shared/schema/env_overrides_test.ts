import assert from "node:assert/strict";
import { z } from "zod";
import { envKeysOf, overlayEnv } from "./env_overrides.ts";

const Schema = z.object({
  server: z.object({
    base_url: z.string(),
    max_conns: z.int().default(10),
    is_tls: z.boolean().optional(),
    port: z.preprocess((v) => v, z.number()),
  }).optional(),
  items: z.array(z.object({ name: z.string() })).default([]),
  labels: z.record(z.string(), z.string()).default({}),
});

Deno.test("envKeysOf names every leaf by its path, typed for conversion", () => {
  assert.deepEqual(envKeysOf(Schema, { prefix: "APP_" }), [
    { path: ["server", "base_url"], env: "APP_SERVER_BASE_URL", kind: "string" },
    { path: ["server", "max_conns"], env: "APP_SERVER_MAX_CONNS", kind: "number" },
    { path: ["server", "is_tls"], env: "APP_SERVER_IS_TLS", kind: "boolean" },
    { path: ["server", "port"], env: "APP_SERVER_PORT", kind: "number" },
  ]);
});

Deno.test("overlayEnv converts values for their key and keeps what does not convert", () => {
  const keys = envKeysOf(Schema, { prefix: "APP_" });
  const raw = { server: { base_url: "a" }, items: [{ name: "x" }] };
  const env = {
    APP_SERVER_BASE_URL: "b",
    APP_SERVER_MAX_CONNS: "many",
    APP_SERVER_IS_TLS: "Yes",
    APP_SERVER_PORT: "8080",
  };
  assert.deepEqual(overlayEnv(raw, { env, keys }), {
    server: { base_url: "b", max_conns: "many", is_tls: true, port: 8080 },
    items: [{ name: "x" }],
  });
  assert.deepEqual(raw, { server: { base_url: "a" }, items: [{ name: "x" }] });
  const off = overlayEnv({}, { env: { APP_SERVER_IS_TLS: "off" }, keys });
  assert.deepEqual(off, { server: { is_tls: false } });
});
