/**
 * Body caps applied before any handler reads a body, chunked bodies included
 * (hono's `bodyLimit` counts the stream as it reads). An unauthenticated
 * caller cannot make the edge parse 20 MB of JSON to answer 401.
 */
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { GantryError } from "../shared/errors.ts";
import type { AppEnv } from "./env.ts";

/** A request body over its route's limit (HTTP 413). */
export class TooLargeError extends GantryError {
  constructor(what: string, limit: number) {
    super("too_large", `${what} exceeds ${limit} bytes`);
  }
}

/** Refuses a body over `maxBytesOf(c)` with 413 `too_large`, before it is parsed. */
export function limitBody(what: string, maxBytesOf: (c: Context<AppEnv>) => number) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const maxSize = maxBytesOf(c);
    const limit = bodyLimit({
      maxSize,
      onError: () => {
        throw new TooLargeError(what, maxSize);
      },
    });
    await limit(c, next);
  });
}
