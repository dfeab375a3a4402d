import assert from "node:assert/strict";
import { pbkdf2Sync } from "node:crypto";
import {
  constantTimeEqual,
  DECOY_HASH,
  hashPassword,
  PASSWORD_ITERATIONS,
  PASSWORD_ROUNDS,
  verifyPassword,
} from "./password.ts";

Deno.test("a password verifies against its own hash and no other password does", async () => {
  const stored = await hashPassword("correct horse battery staple");
  assert.equal(await verifyPassword("correct horse battery staple", stored), true);
  assert.equal(await verifyPassword("correct horse battery stapler", stored), false);
  assert.equal(await verifyPassword("", stored), false);
});

Deno.test("the stored hash records its cost: 600k PBKDF2-SHA256 iterations, no call over 100k", async () => {
  const stored = await hashPassword("a long enough password");
  const [scheme, iterations, rounds, salt, hash] = stored.split("$");
  assert.equal(scheme, "pbkdf2-sha256");
  assert.equal(Number(iterations) * Number(rounds), 600_000);
  assert.ok(Number(iterations) <= 100_000, "deployed Workers refuse PBKDF2 above 100k");
  assert.equal(Number(iterations), PASSWORD_ITERATIONS);
  assert.equal(Number(rounds), PASSWORD_ROUNDS);
  assert.equal(atob(salt).length, 16);
  assert.equal(atob(hash).length, 32);
});

Deno.test("two users with the same password get different salts and hashes", async () => {
  const a = await hashPassword("same password for both");
  const b = await hashPassword("same password for both");
  assert.notEqual(a, b);
  assert.equal(await verifyPassword("same password for both", a), true);
  assert.equal(await verifyPassword("same password for both", b), true);
});

Deno.test("a hash made with a lower cost still verifies (the cost can rise later)", async () => {
  const stored = await hashPassword("old but valid password", { iterations: 1_000, rounds: 2 });
  assert.ok(stored.startsWith("pbkdf2-sha256$1000$2$"));
  assert.equal(await verifyPassword("old but valid password", stored), true);
});

Deno.test("malformed or tampered stored values never match", async () => {
  const good = await hashPassword("tamper target password", { iterations: 1_000, rounds: 1 });
  const [scheme, iterations, rounds, salt, hash] = good.split("$");
  const bad = [
    "",
    "plaintext",
    ["bcrypt", iterations, rounds, salt, hash].join("$"),
    [scheme, "0", rounds, salt, hash].join("$"),
    [scheme, "100001", rounds, salt, hash].join("$"),
    [scheme, iterations, "0", salt, hash].join("$"),
    [scheme, iterations, "21", salt, hash].join("$"),
    [scheme, iterations, rounds, "!!!!", hash].join("$"),
    [scheme, iterations, rounds, salt, "AAAA"].join("$"),
    [scheme, iterations, rounds, salt, hash, "extra"].join("$"),
  ];
  for (const stored of bad) {
    assert.equal(await verifyPassword("tamper target password", stored), false, stored);
  }
});

Deno.test("the decoy hash is well formed, full cost, and matches nothing", async () => {
  const started = performance.now();
  assert.equal(await verifyPassword("anything at all", DECOY_HASH), false);
  const decoyMs = performance.now() - started;
  const real = await hashPassword("anything at all");
  const realStarted = performance.now();
  await verifyPassword("anything at all", real);
  const realMs = performance.now() - realStarted;
  assert.ok(decoyMs > realMs / 3, `decoy ${decoyMs} ms vs real ${realMs} ms`);
});

Deno.test("constantTimeEqual compares lengths and every byte", () => {
  assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
  assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
  assert.equal(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 2])), false);
});

Deno.test("the format is plain PBKDF2-HMAC-SHA256, chained: another implementation verifies it", async () => {
  // RFC 7914 §11's PBKDF2-HMAC-SHA256 vector (P="passwd", S="salt", c=1), first 32 bytes.
  const rfc = "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc";
  const rfcStored = `pbkdf2-sha256$1$1$${btoa("salt")}$${hexToBase64(rfc)}`;
  assert.equal(await verifyPassword("passwd", rfcStored), true);

  const stored = await hashPassword("chained with node crypto", { iterations: 2_000, rounds: 3 });
  const [, , , salt, hash] = stored.split("$");
  const saltBytes = Uint8Array.from(atob(salt), (c) => c.charCodeAt(0));
  let key: Uint8Array = new TextEncoder().encode("chained with node crypto");
  for (let round = 0; round < 3; round++) key = pbkdf2Sync(key, saltBytes, 2_000, 32, "sha256");
  assert.equal(btoa(String.fromCharCode(...key)), hash);
});

function hexToBase64(hex: string): string {
  const bytes = hex.match(/../g)!.map((pair) => parseInt(pair, 16));
  return btoa(String.fromCharCode(...bytes));
}
