/**
 * The OpenAPI 3.1 description of `/api/v1`, generated from the app's own
 * routes by hono-openapi: each route's `describe(…)` line (describe.ts) gives
 * its summary, access and answer schemas; its `jsonBody`/`queryOf` validators
 * give the body and query schemas they check with. What every route shares
 * (sign-in, the error body, the refusals its access and inputs imply) is
 * added here once, so a route file says only what is its own.
 *
 * @module
 */
import type { Hono } from "hono";
import { generateSpecs } from "hono-openapi";
import { z } from "zod";
import { ErrorBody } from "../../shared/schema/api.ts";
import { SESSION_COOKIE } from "../auth/operator_session.ts";
import { type Access, ACCESS_KEY } from "./describe.ts";

/** The generated document. */
export type OpenApiDocument = Awaited<ReturnType<typeof generateSpecs>>;

/** Only these paths are described; the rest of the Worker speaks other protocols. */
export const API_PREFIX = "/api/v1/";

/** Every error answer, by status: what it means to a caller. */
const REFUSALS: Record<number, string> = {
  400:
    "`invalid`: the body is not JSON, or a field or query parameter is wrong (`issues` names each)",
  401: "`unauthorized`: no session, or it expired or was signed out; sign in again",
  403: "`forbidden`: this action needs the admin role",
  404: "`not_found`: no such thing (or the feature is not configured)",
  409: "`conflict`: the request conflicts with what exists",
  410: "`gone`: the thing existed and is no longer available",
  413: "`too_large`: the body is over the API's limit (64 KiB; 4 MiB for a backup import)",
  415: "`unsupported_media_type`: send the body as `application/json`",
  422: "`unprocessable`: the body refers to something that does not exist",
  429: "`rate_limited`: too many attempts; wait `Retry-After` seconds",
  503: "`database_unavailable`: libSQL cannot be reached; retry after `Retry-After` seconds",
};

const SECURITY: Record<Access, Record<string, string[]>[]> = {
  public: [],
  viewer: [{ sessionCookie: [] }, { sessionBearer: [] }],
  admin: [{ sessionCookie: [] }, { sessionBearer: [] }],
  bootstrap: [{ bootstrapToken: [] }],
};

const ACCESS_NOTE: Record<Access, string> = {
  public: "Access: anyone.",
  viewer: "Access: an operator session (viewer or admin).",
  admin: "Access: an operator session with the admin role.",
  bootstrap: "Access: the BOOTSTRAP_TOKEN secret as a bearer token.",
};

/** Builds the document from `app`'s routes (the Worker's root app). */
export async function openApiDocument(
  // deno-lint-ignore no-explicit-any -- any app: the document reads only its routes
  app: Hono<any, any, any>,
): Promise<OpenApiDocument> {
  const document = await generateSpecs(app, {
    documentation: {
      info: {
        title: "Gantry console API",
        version: "1",
        description:
          "The edge's `/api/v1` routes: what the console and the `gantry` CLI call. Every error " +
          "answer is `{ error: { code, message, issues? } }`. Behind an authenticating proxy " +
          "(AUTH_DISABLED=true) the proxy's proof stands in for the session.",
      },
      components: {
        securitySchemes: {
          sessionCookie: {
            type: "apiKey",
            in: "cookie",
            name: SESSION_COOKIE,
            description: "The console's session, set by `POST /api/v1/auth/login`.",
          },
          sessionBearer: {
            type: "http",
            scheme: "bearer",
            bearerFormat: "JWT",
            description: "The same session token as `Authorization: Bearer` (the CLI).",
          },
          bootstrapToken: {
            type: "http",
            scheme: "bearer",
            description: "The BOOTSTRAP_TOKEN secret, for creating the first admin only.",
          },
        },
        schemas: { ErrorBody: jsonSchemaOf(ErrorBody) },
        responses: Object.fromEntries(
          Object.entries(REFUSALS).map(([status, description]) => [status, {
            description,
            content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } },
          }]),
        ),
      },
    },
    // The document's own path ends in `.json`; it is a route, not a static file.
    excludeStaticFile: false,
    // Refusals are added below, with the one error body.
    defaultValidationErrorResponse: false,
  });
  const paths: OpenApiDocument["paths"] = {};
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith(API_PREFIX) || !item) continue;
    for (const operation of Object.values(item)) completeOperation(path, operation as Operation);
    paths[path] = item;
  }
  return { ...document, paths };
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in?: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
  [ACCESS_KEY]?: Access;
}

/** Adds what an operation's access and inputs imply: security, tag, refusals. */
function completeOperation(path: string, operation: Operation): void {
  const access = operation[ACCESS_KEY] ?? "viewer";
  operation.tags = [path.slice(API_PREFIX.length).split("/")[0]];
  operation.security = SECURITY[access];
  operation.description = [operation.description, ACCESS_NOTE[access]].filter(Boolean).join("\n\n");
  const refusals = new Set<number>([503]);
  if (access !== "public") refusals.add(401);
  if (access === "admin") refusals.add(403);
  if (operation.requestBody) [400, 413, 415].forEach((status) => refusals.add(status));
  if (operation.parameters?.some((parameter) => parameter.in === "query")) refusals.add(400);
  for (const status of refusals) {
    operation.responses[status] ??= { $ref: `#/components/responses/${status}` };
  }
}

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: "output" });
  return rest;
}
