/** `gantry-core keygen`: a key only its owner reads, whose JWK set the edge accepts. */
import assert from "node:assert/strict";
import { importJWK, importPKCS8, jwtVerify, SignJWT } from "jose";

const ROOT = new URL("../../", import.meta.url).pathname;

async function keygen(args: string[]) {
  const result = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "core/main.ts", "keygen", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: result.code, stdout: decode(result.stdout), stderr: decode(result.stderr) };
}

Deno.test("keygen writes a 0600 private key and prints the JWK set that verifies its signatures", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/core.pem`;
  const result = await keygen(["--out", out, "--kid", "core-a"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600);
  const jwks = JSON.parse(result.stdout);
  assert.equal(jwks.keys.length, 1);
  assert.deepEqual(
    { kid: jwks.keys[0].kid, alg: jwks.keys[0].alg, crv: jwks.keys[0].crv, d: jwks.keys[0].d },
    { kid: "core-a", alg: "EdDSA", crv: "Ed25519", d: undefined },
  );
  const privateKey = await importPKCS8(await Deno.readTextFile(out), "EdDSA");
  const token = await new SignJWT({}).setProtectedHeader({ alg: "EdDSA", kid: "core-a" })
    .setSubject("core-a").sign(privateKey);
  const verified = await jwtVerify(token, await importJWK(jwks.keys[0], "EdDSA"));
  assert.equal(verified.payload.sub, "core-a");
});

Deno.test("keygen never overwrites an existing key and needs --out", async () => {
  const dir = await Deno.makeTempDir();
  const out = `${dir}/core.pem`;
  await Deno.writeTextFile(out, "in use");
  const refused = await keygen(["--out", out]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /exists; it is never overwritten/);
  assert.equal(await Deno.readTextFile(out), "in use");
  const missing = await keygen([]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--out <file> is required/);
});
