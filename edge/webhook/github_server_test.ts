/** GITHUB_SERVER_URL: unset, blank, a GHES origin, and each shape that is not an https origin. */
import assert from "node:assert/strict";
import { ConfigError } from "../../shared/errors.ts";
import type { Env } from "../env.ts";
import { DEFAULT_GITHUB_SERVER_URL, githubServerUrlOf } from "./github_server.ts";

const envWith = (value: string | undefined) => ({ GITHUB_SERVER_URL: value }) as Env;

const NOT_A_URL = "GITHUB_SERVER_URL must be an https:// URL such as https://github.example.com";
const NOT_AN_ORIGIN =
  "GITHUB_SERVER_URL must be an https:// origin such as https://github.example.com";

Deno.test("the default is github.com", () => {
  assert.equal(DEFAULT_GITHUB_SERVER_URL, "https://github.com");
  assert.equal(githubServerUrlOf({} as Env), "https://github.com");
});

Deno.test("a set GITHUB_SERVER_URL becomes its origin", () => {
  const cases: [string | undefined, string][] = [
    [undefined, "https://github.com"],
    ["", "https://github.com"],
    ["   ", "https://github.com"],
    ["https://ghe.example.com", "https://ghe.example.com"],
    ["  https://ghe.example.com/  ", "https://ghe.example.com"],
    ["https://GHE.example.com:8443/", "https://ghe.example.com:8443"],
    ["https://ghe.example.com/#top", "https://ghe.example.com"],
  ];
  for (const [value, expected] of cases) {
    assert.equal(githubServerUrlOf(envWith(value)), expected, JSON.stringify(value));
  }
});

Deno.test("anything but an https origin is refused with the var named", () => {
  const cases: [string, string][] = [
    ["ghe.example.com", NOT_A_URL],
    ["https://", NOT_A_URL],
    ["http://ghe.example.com", NOT_AN_ORIGIN],
    ["https://ghe.example.com/github", NOT_AN_ORIGIN],
    ["https://ghe.example.com/?org=a", NOT_AN_ORIGIN],
    ["https://admin@ghe.example.com", NOT_AN_ORIGIN],
    ["https://admin:secret@ghe.example.com", NOT_AN_ORIGIN],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => githubServerUrlOf(envWith(value)), (error: unknown) => {
      assert.ok(error instanceof ConfigError, value);
      assert.equal(error.code, "misconfigured");
      assert.equal(error.message, message, value);
      // An unparsable URL keeps the parser's error as the cause.
      assert.equal(error.cause instanceof TypeError, message === NOT_A_URL, value);
      return true;
    });
  }
});
