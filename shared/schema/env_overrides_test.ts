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

Deno.test("envKeysOf looks through optional, nullable, default, prefault and pipes", () => {
  const Wrapped = z.object({
    a: z.number().optional(),
    b: z.number().nullable(),
    c: z.boolean().default(false),
    d: z.object({ e: z.int().default(1) }).prefault({}),
    f: z.preprocess((v) => v, z.boolean()),
    g: z.string().transform((v) => v.length),
    h: z.array(z.number()),
    i: z.record(z.string(), z.number()),
  });
  assert.deepEqual(envKeysOf(Wrapped, { prefix: "X_" }), [
    { path: ["a"], env: "X_A", kind: "number" },
    { path: ["b"], env: "X_B", kind: "number" },
    { path: ["c"], env: "X_C", kind: "boolean" },
    { path: ["d", "e"], env: "X_D_E", kind: "number" },
    { path: ["f"], env: "X_F", kind: "boolean" },
    { path: ["g"], env: "X_G", kind: "string" },
  ]);
});

Deno.test("a number or boolean variable converts only when it reads as one", () => {
  const keys = envKeysOf(z.object({ n: z.number(), b: z.boolean(), s: z.string() }), {
    prefix: "",
  });
  const cases: [string, string, unknown][] = [
    ["N", "8080", 8080],
    ["N", " 42 ", 42],
    ["N", "-3", -3],
    ["N", "1.5", 1.5],
    ["N", "10.25", 10.25],
    ["N", "1.", "1."],
    ["N", ".5", ".5"],
    ["N", "--1", "--1"],
    ["N", "1e3", "1e3"],
    ["N", "a12", "a12"],
    ["N", "12a", "12a"],
    ["N", "1.5x", "1.5x"],
    ["B", "true", true],
    ["B", "1", true],
    ["B", "yes", true],
    ["B", " ON ", true],
    ["B", "TRUE", true],
    ["B", "false", false],
    ["B", "0", false],
    ["B", "no", false],
    ["B", "Off", false],
    ["B", "maybe", "maybe"],
    ["B", "yes!", "yes!"],
    ["B", "ayes", "ayes"],
    ["B", "nope", "nope"],
    ["B", "xoff", "xoff"],
    // A string key takes the text as it is.
    ["S", "yes", "yes"],
    ["S", "12", "12"],
  ];
  for (const [env, value, expected] of cases) {
    const overlaid = overlayEnv({}, { env: { [env]: value }, keys }) as Record<string, unknown>;
    assert.deepEqual(overlaid, { [env.toLowerCase()]: expected }, `${env}=${value}`);
  }
});

Deno.test("overlayEnv leaves alone what it cannot place, and skips empty variables", () => {
  const keys = envKeysOf(Schema, { prefix: "APP_" });
  const env = { APP_SERVER_BASE_URL: "b" };
  assert.deepEqual(overlayEnv(undefined, { env, keys }), { server: { base_url: "b" } });
  assert.deepEqual(overlayEnv(null, { env, keys }), { server: { base_url: "b" } });
  assert.equal(overlayEnv("text", { env, keys }), "text");
  assert.deepEqual(overlayEnv([1], { env, keys }), [1]);
  assert.deepEqual(overlayEnv({ server: "x" }, { env, keys }), { server: "x" });
  assert.deepEqual(overlayEnv({ server: [1] }, { env, keys }), { server: [1] });
  assert.deepEqual(overlayEnv({ server: null }, { env, keys }), { server: { base_url: "b" } });
  assert.deepEqual(
    overlayEnv({ a: 1 }, { env: { APP_SERVER_BASE_URL: "", APP_SERVER_PORT: undefined }, keys }),
    { a: 1 },
  );
});
