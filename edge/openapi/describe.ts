/**
 * One line per `/api/v1` route that puts it in the OpenAPI document
 * (document.ts): what it does, who may call it, and what a success answers,
 * with the answer's shared zod schema. Request bodies and queries need no
 * line here: `jsonBody` and `queryOf` (validation.ts) carry their schemas.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import type { z } from "zod";

/**
 * Who may call a route: anyone (`public`), an operator session of at least
 * `viewer` or `admin`, or the holder of the BOOTSTRAP_TOKEN secret.
 */
export type Access = "public" | "viewer" | "admin" | "bootstrap";

/** A success answer: a JSON body's schema, `null` for no body, or `"redirect"` for a 302. */
export type Success = z.ZodType | null | "redirect";

/** Refusals a route gives beyond those its access and inputs imply. */
export type Refusal = 400 | 404 | 409 | 410 | 422 | 429;

/** What {@link describe} takes. */
export interface RouteDescription {
  /** One short sentence: what the route does. */
  summary: string;
  /** Longer notes: side effects, audit rows, limits. */
  description?: string;
  access: Access;
  /** Success answers by status. */
  responses: Partial<Record<200 | 201 | 202 | 204 | 302, Success>>;
  refusals?: readonly Refusal[];
}

/** The extension key that carries a route's {@link Access} into the document. */
export const ACCESS_KEY = "x-gantry-access";

/** Schemas of answers are what the edge sends, so their defaults count as present. */
const ANSWER = { options: { io: "output" } } as const;

/** Marks a route as documented; hono-openapi reads the mark from `app.routes`. */
export function describe(route: RouteDescription): MiddlewareHandler {
  const responses: Record<string, unknown> = {};
  for (const [status, success] of Object.entries(route.responses)) {
    responses[status] = success === null
      ? { description: "done; no body" }
      : success === "redirect"
      ? { description: "a browser redirect (`Location`)" }
      : {
        description: "success",
        content: { "application/json": { schema: resolver(success, ANSWER) } },
      };
  }
  for (const status of route.refusals ?? []) {
    responses[status] = { $ref: `#/components/responses/${status}` };
  }
  return describeRoute(
    {
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      [ACCESS_KEY]: route.access,
      responses,
    } as Parameters<typeof describeRoute>[0],
  );
}
