import { zValidator } from "@hono/zod-validator";
import { createMiddleware } from "hono/factory";
import { resolver, uniqueSymbol } from "hono-openapi";
import type { z } from "zod";
import { GantryError, InvalidError } from "../shared/errors.ts";
import type { AppEnv } from "./env.ts";

/** Turns zod issues into an InvalidError that names every bad field by path. */
export function invalidFrom(
  error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] },
  what: string,
): InvalidError {
  const issues = error.issues.map((i) => ({
    path: i.path.map(String).join("."),
    message: i.message,
  }));
  const summary = issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ");
  return new InvalidError(`invalid ${what}: ${summary}`, { issues });
}

/**
 * A route's JSON body, checked with `schema` before its handler runs: the
 * handler reads typed input from `c.req.valid("json")`, and the OpenAPI
 * document lists `schema` as the route's body. Mount {@link readJsonBody} in
 * front, so a body that is not JSON, or not sent as JSON, is refused before the schema runs.
 */
export function jsonBody<T extends z.ZodType>(schema: T) {
  const validate = zValidator("json", schema, (result) => {
    if (!result.success) throw invalidFrom(result.error, "request body");
  });
  return documented(validate, "json", schema);
}

/** A route's query, checked with `schema`; the handler reads `c.req.valid("query")`. */
export function queryOf<T extends z.ZodType>(schema: T) {
  const validate = zValidator("query", schema, (result) => {
    if (!result.success) throw invalidFrom(result.error, "query");
  });
  return documented(validate, "query", schema);
}

/**
 * Marks a validator so the OpenAPI document (edge/openapi/) lists its schema
 * as the route's body or query, as hono-openapi's own `validator` does: the
 * document reads the schema that validates, so the two cannot drift.
 */
function documented<M extends object>(
  middleware: M,
  target: "json" | "query",
  schema: z.ZodType,
): M {
  return Object.assign(middleware, { [uniqueSymbol]: { target, ...resolver(schema) } });
}

/**
 * Reads a POST, PUT or PATCH body as JSON once (hono caches it for the validator),
 * answering 400 `body is not valid JSON` or 415 before any schema runs:
 * hono's validator would read a body without a JSON content type as `{}`.
 */
export const readJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  if (!["POST", "PUT", "PATCH"].includes(c.req.method)) return await next();
  const mediaType = (c.req.header("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw new GantryError("unsupported_media_type", "send the body as application/json");
  }
  try {
    await c.req.json();
  } catch (cause) {
    throw new InvalidError("body is not valid JSON", { cause });
  }
  await next();
});
