/**
 * `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of `/api/v1`
 * (document.ts), for any signed-in operator. Built once per isolate from the
 * root app's routes, which do not change while it runs.
 */
import { Hono } from "hono";
import { z } from "zod";
import { requireOperator } from "../auth/operator_session.ts";
import type { AppEnv } from "../env.ts";
import { describe } from "./describe.ts";
import { type OpenApiDocument, openApiDocument } from "./document.ts";

/** The document's outline: enough to tell a caller it is OpenAPI 3.1. */
const OpenApiOutline = z.looseObject({
  openapi: z.literal("3.1.0"),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

/**
 * The document's route. `rootApp` returns the Worker's root app; it is called
 * at the first request, once every route is mounted.
 */
export function openApiRoutes(rootApp: () => Hono<AppEnv>) {
  let document: Promise<OpenApiDocument> | undefined;
  return new Hono<AppEnv>().get(
    "/api/v1/openapi.json",
    requireOperator("viewer"),
    describe({
      summary: "This description of the API (OpenAPI 3.1)",
      access: "viewer",
      responses: { 200: OpenApiOutline },
    }),
    async (c) => {
      document ??= openApiDocument(rootApp()).catch((error) => {
        document = undefined; // Try again on the next request rather than failing for good.
        throw error;
      });
      return c.json(await document);
    },
  );
}
